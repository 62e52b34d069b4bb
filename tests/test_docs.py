"""The README and docs/ cannot drift from the code without failing the suite.

- Every relative link in README.md, SECURITY.md and docs/*.md leads to a file that exists (and, with an
  #anchor into a Markdown file, to one of its headings).
- Every project path written in backticks (`kit/audit.py`, `tests/test_csp.py`) exists, except
  in a paragraph, list item or table row that carries a `<!-- check: ... -->` note (a name the
  docs expect but that is not merged yet; the note goes when it is).
- Every environment variable read in config/settings/*.py is named in docs/configuration.md.
- Every SMS template key is in docs/configuration.md, every registered notification event in
  docs/notifications.md, and every management command and system check id of the project
  somewhere in the README or docs/.
"""

import ast
import contextlib
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
CONFIGURATION = ROOT / "docs" / "configuration.md"
NOTIFICATIONS = ROOT / "docs" / "notifications.md"
PROJECT_APPS = ("accounts", "billing", "complaints", "config", "kit", "notices",
                "platform_admin", "repairs", "services", "staff")  # fmt: skip

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CHECK_NOTE = "<!-- check:"


def _prose(text: str) -> str:
    """The text without fenced code blocks (examples may name files of a module to come)."""
    return FENCE.sub(lambda match: "\n" * match.group(0).count("\n"), text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", _prose(path.read_text(encoding="utf-8")), re.M)
    return {_slug(heading) for heading in headings}


def test_anchors_follow_githubs_headings():
    assert _slug("Redis: the broker and the cache") == "redis-the-broker-and-the-cache"
    assert _slug("`kit/` 共用工具") == "kit-共用工具"
    assert _slug("Tests the module needs") == "tests-the-module-needs"


def test_the_docs_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in DOCS}
    assert {"README.md", "docs/architecture.md", "docs/configuration.md",
            "docs/adding-a-module.md"} <= names  # fmt: skip


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_links_lead_to_files_that_exist(doc):
    broken = []
    for target in LINK.findall(_prose(doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _hash, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target} (no heading #{anchor} in {path.name})")
    assert not broken, f"{doc.name}: broken links: {broken}"


def _named_paths(text: str) -> list[str]:
    """Project paths in the text's code spans: `kit/audit.py`, `tests/staff/`, `Makefile`."""
    paths = []
    for span in CODE_SPAN.findall(text):
        span = span.strip()
        if not re.fullmatch(r"[\w.-]+(/[\w.-]+)*/?", span) or "/" not in span:
            continue
        first = span.split("/", 1)[0]
        if first in (*PROJECT_APPS, "tests", "templates", "static", "locale", "deploy", "bin",
                     "bench", "requirements", "docs"):  # fmt: skip
            paths.append(span)
    return paths


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each paragraph, list item and table row."""
    blocks, current, start = [], [], 0
    for number, line in enumerate(text.splitlines(), 1):
        new_block = not line.strip() or line.lstrip().startswith(("|", "- ", "#"))
        if new_block and current:
            blocks.append((start, "\n".join(current)))
            current = []
        if line.strip():
            if not current:
                start = number
            current.append(line)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_paths_named_in_the_docs_exist(doc):
    missing = []
    for number, block in _blocks(_prose(doc.read_text(encoding="utf-8"))):
        if CHECK_NOTE in block:
            continue
        for path in _named_paths(block):
            if not (ROOT / path).exists() and path.rstrip("/") not in IGNORED_PATHS:
                missing.append(f"line {number}: {path}")
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


# Made at run time or by the operator, never committed.
IGNORED_PATHS = {"deploy/certs"}


# --- Environment variables ---------------------------------------------------------------------

ENV_READERS = {"str", "bool", "int", "float", "list", "dict", "tuple", "json", "url", "path",
               "db", "db_url", "cache", "cache_url", "email", "email_url", "search_url",
               "decimal", "get_value"}  # fmt: skip


def _module_literals(tree: ast.Module) -> dict[str, object]:
    """Module-level `NAME = <literal>` assignments (e.g. the social apps' variable names)."""
    literals = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):
                    literals[target.id] = ast.literal_eval(node.value)
    return literals


def _strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.items() for s in _strings_in(item)]
    if isinstance(value, list | tuple | set):
        return [s for item in value for s in _strings_in(item)]
    return []


def _loop_sources(tree: ast.Module) -> dict[str, str]:
    """Loop variable -> the module-level name its `for` iterates (`for a, (b, c) in X.items()`)."""
    sources = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For):
            iterable = node.iter
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
                iterable = iterable.func.value
            if isinstance(iterable, ast.Name):
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        sources[name.id] = iterable.id
    return sources


def _is_env_read(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in {"env", "env_pem"}
    if not isinstance(func, ast.Attribute):
        return False
    if isinstance(func.value, ast.Name) and func.value.id == "env":
        return func.attr in ENV_READERS
    if func.attr in {"get", "setdefault", "pop"}:
        return _is_environ(func.value)
    return func.attr == "getenv"


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def env_vars_read_by_the_settings() -> dict[str, str]:
    """Variable -> where it is read, for every read in config/settings/*.py. A name the test
    cannot work out fails it: give the read a literal name or teach this function."""
    found, unresolved = {}, []
    for path in sorted((ROOT / "config" / "settings").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals, loops = _module_literals(tree), _loop_sources(tree)
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and _is_environ(node.value):  # os.environ["X"]
                arg = node.slice
            elif isinstance(node, ast.Call) and _is_env_read(node) and node.args:
                arg = node.args[0]
            else:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found[arg.value] = f"{where}:{node.lineno}"
            elif isinstance(arg, ast.JoinedStr) and isinstance(node.func, ast.Attribute):
                # env_pem reads NAME and NAME_FILE; the docs say so once for every key.
                continue
            elif isinstance(arg, ast.Name) and arg.id in loops and loops[arg.id] in literals:
                for name in _strings_in(literals[loops[arg.id]]):
                    if re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
                        found[name] = f"{where}:{node.lineno}"
            elif isinstance(arg, ast.Name) and arg.id == "name":
                continue  # inside env_pem itself: its callers name the variables
            else:
                unresolved.append(f"{where}:{node.lineno}")
    assert not unresolved, f"environment reads whose variable the test cannot name: {unresolved}"
    return found


def test_the_settings_reader_finds_the_variables():
    found = env_vars_read_by_the_settings()
    # Literal names, names in a loop over a literal, keys read through env_pem, os.environ.
    assert {"DJANGO_SECRET_KEY", "QQ_APP_KEY", "ALIPAY_APP_PRIVATE_KEY",
            "NOTIFY_WEBPUSH_BACKEND", "MAP_TILE_URL"} <= set(found)  # fmt: skip


def test_every_environment_variable_is_in_the_configuration_page():
    documented = CONFIGURATION.read_text(encoding="utf-8")
    missing = {
        name: where
        for name, where in env_vars_read_by_the_settings().items()
        if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", documented)
    }
    assert not missing, f"read by the settings but not in docs/configuration.md: {missing}"


# --- Other names the docs must know ------------------------------------------------------------


def _all_docs_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOCS)


def test_every_sms_template_is_in_the_configuration_page():
    documented = CONFIGURATION.read_text(encoding="utf-8")
    missing = [key for key in settings.SMS_TEMPLATES if f"`{key}`" not in documented]
    assert not missing, f"SMS templates not in docs/configuration.md: {missing}"


def test_every_notification_event_is_in_the_notifications_page():
    from notices import events

    documented = NOTIFICATIONS.read_text(encoding="utf-8")
    missing = [e.name for e in events.all_events() if f"`{e.name}`" not in documented]
    assert not missing, f"events not in the table of docs/notifications.md: {missing}"


def test_every_management_command_is_in_the_docs():
    text = _all_docs_text()
    commands = [
        path.stem
        for app in PROJECT_APPS
        for path in (ROOT / app).glob("management/commands/*.py")
        if not path.stem.startswith("_")
    ]
    assert commands, "no management commands found: the glob is wrong"
    missing = [name for name in commands if name not in text]
    assert not missing, f"management commands the docs do not mention: {missing}"


def test_every_system_check_id_is_in_the_docs():
    text = _all_docs_text()
    ids = set()
    for app in PROJECT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                ids |= set(re.findall(r"""id=["']([a-z_]+\.[EW]\d{3})["']""", path.read_text()))
    assert ids, "no system checks found: the pattern is wrong"
    missing = sorted(check for check in ids if check not in text)
    assert not missing, f"system check ids the docs do not mention: {missing}"
