"""Functions of radon grade D or worse (cyclomatic complexity above 20) are split into named
parts, or justified in place: a comment `# complexity: <why>` directly above the `def`."""

from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "kit",
    "accounts",
    "staff",
    "notices",
    "repairs",
    "billing",
    "services",
    "complaints",
    "platform_admin",
    "config",
]
JUSTIFIED = "# complexity:"


def _blocks(code: str):
    for block in cc_visit(code):
        yield block
        yield from getattr(block, "methods", [])
        yield from getattr(block, "closures", [])


def too_complex(path: Path, code: str) -> list[str]:
    lines = code.splitlines()
    found = []
    for block in _blocks(code):
        if cc_rank(block.complexity) < "D":
            continue
        # Decorators sit between the justification and the def.
        first = block.lineno - 2
        while first >= 0 and lines[first].lstrip().startswith("@"):
            first -= 1
        above = lines[first].strip() if first >= 0 else ""
        if not above.startswith(JUSTIFIED):
            found.append(f"{path}:{block.lineno} {block.name} {cc_rank(block.complexity)}")
    return found


def test_no_function_of_grade_d_or_worse_goes_unjustified():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found += too_complex(path.relative_to(ROOT), path.read_text())
    assert not found, "split these or justify them in place:\n" + "\n".join(found)


BRANCHY = "def branchy(x):\n" + "".join(
    f"    if x == {i}:\n        return {i}\n" for i in range(25)
)


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        (BRANCHY, True),
        ("# complexity: a lookup table written out\n" + BRANCHY, False),
        ("class A:\n" + "".join("    " + line + "\n" for line in BRANCHY.splitlines()), True),
        ("def simple(x):\n    return x\n", False),
    ],
)
def test_the_check_flags_a_grade_d_function(code, flagged):
    assert bool(too_complex(Path("example.py"), code)) is flagged
