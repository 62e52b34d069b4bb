"""docker-compose.yml and the Dockerfile describe a runnable production: each service's
command names things that exist in this code base."""

import importlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_of(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_has_the_production_services(compose):
    assert {"web", "worker", "beat", "db", "redis"} <= set(compose["services"])
    assert {"pgdata", "media"} <= set(compose["volumes"])


def test_every_service_has_a_health_check(compose):
    for name in ("web", "worker", "beat", "db", "redis"):
        assert compose["services"][name].get("healthcheck", {}).get("test"), name


def test_commands_point_at_real_modules(compose):
    services = compose["services"]
    assert "manage.py migrate" in command_of(services["migrate"])
    web = command_of(services["web"])
    wsgi = re.search(r"gunicorn (\S+):application", web).group(1)
    assert hasattr(importlib.import_module(wsgi), "application")
    assert re.search(r"celery -A config worker\b", command_of(services["worker"]))
    assert re.search(r"celery -A config beat\b", command_of(services["beat"]))
    assert importlib.import_module("config.celery").app.main == "linli"


def test_app_services_run_production_settings_on_postgres_and_redis(compose):
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert ":?" in env["DJANGO_SECRET_KEY"], "the secret key must have no default"
        assert any(v.startswith("media:") for v in compose["services"][name]["volumes"])
        assert compose["services"][name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(v.startswith("pgdata:") for v in compose["services"]["db"]["volumes"])


def test_web_health_check_uses_the_health_endpoint(compose, client, db):
    check = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "/healthz" in check
    assert client.get("/healthz").status_code == 200


def test_dockerfile_copies_what_exists_and_serves_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for name in source.split():
            assert name == "." or (ROOT / name).exists(), name
    assert "gunicorn" in dockerfile and "config.wsgi:application" in dockerfile
    assert "collectstatic" in dockerfile and "compilemessages" in dockerfile


# --- The web container becomes healthy ------------------------------------------------------

# Values an operator's .env gives the variables compose requires (`${NAME:?...}`).
EXAMPLE_ENV = {
    "DJANGO_SECRET_KEY": "example-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "wuye.example.com",
    "LINLI_SITE_URL": "https://wuye.example.com",
    "POSTGRES_PASSWORD": "example",
    "AWS_SECRET_ACCESS_KEY": "example-minio-secret",
    "LINLI_BACKUP_KEY": "example-backup-key-" + "y" * 32,
    "SMS_BACKEND": "accounts.sms.backends.aliyun.SmsBackend",
    "NOTIFY_WEBPUSH_BACKEND": "notices.channels.webpush.WebPushBackend",
    "NOTIFY_WECHAT_BACKEND": "notices.channels.wechat.WechatTemplateBackend",
}


def interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` (empty stays empty) and
    `${NAME:?error}`, and `$$`."""

    def one(match: re.Match) -> str:
        name, colon, kind, rest = match.groups()
        if dotenv.get(name) or (name in dotenv and not colon):
            return dotenv[name]
        if kind == "?":
            raise AssertionError(f"compose requires {name}: {rest}")
        return rest or ""

    value = re.sub(r"\$\{(\w+)(?:(:?)([?-])([^}]*))?\}", one, str(value))
    return value.replace("$$", "$")


def compose_environment(compose, service: str, dotenv: dict[str, str]) -> dict[str, str]:
    return {
        name: interpolate(value, dotenv)
        for name, value in compose["services"][service]["environment"].items()
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text()}")


@pytest.fixture
def web_container(compose, db, settings, tmp_path):
    """The compose `web` command on production settings and compose's environment, as far as
    this machine allows: a free port instead of 8000, the test database and this machine's
    Redis (or the file cache) instead of the `db` and `redis` hosts, folders under tmp_path
    instead of the volumes."""
    from django.db import connection

    from tests.processes import database_url_of

    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "LINLI_", "DATABASE_URL", "REDIS_URL", "PAYMENT_"))
    }
    env.update(compose_environment(compose, "web", EXAMPLE_ENV))
    env.update(
        DATABASE_URL=database_url_of(connection),
        LINLI_VAR_DIR=str(tmp_path / "var"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "var" / "media"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(tmp_path / "var" / "private-media"),
    )
    env.pop("REDIS_URL")
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    args = shlex.split(command_of(compose["services"]["web"]))
    assert args[0] == "gunicorn" and "0.0.0.0:8000" in args, args
    args[0] = str(Path(sys.executable).parent / "gunicorn")
    args[args.index("0.0.0.0:8000")] = f"0.0.0.0:{port}"
    args[args.index("--workers") + 1] = "1"  # one is enough here; the machine is shared
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        wait_for_port(port, process, log)
        yield port, env, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_health_check(compose, service: str, port: int, env: dict) -> subprocess.CompletedProcess:
    """The service's own health check command, as docker runs it in the container."""
    test = compose["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python", test
    code = test[3]
    assert "127.0.0.1:8000" in code
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_web_health_check_passes_on_a_real_server(compose, web_container):
    port, env, log = web_container
    # The first request waits for the worker to load Django; docker allows 60 s to start.
    deadline = time.monotonic() + 60
    while True:
        check = run_health_check(compose, "web", port, env)
        if check.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert check.returncode == 0, check.stderr + log.read_text()
    # The health endpoint is the only thing answered for a host outside DJANGO_ALLOWED_HOSTS.
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "evil.test"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310 - a local test server
    assert refused.value.code == 400
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:  # noqa: S310
        assert json.load(response)["database"] == "ok"


# --- What the image holds and how the services start -------------------------------------


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def excluded_by_dockerignore(path: str, patterns: list[str]) -> bool:
    """Docker's rule, near enough: a pattern excludes a path or one of its parent folders;
    `**` spans folders, `*` and `?` do not; a later `!pattern` includes again."""

    def matches(pattern: str, candidate: str) -> bool:
        regex = ""
        for part in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
            if part.startswith("**"):
                regex += "(?:.*/)?" if part.endswith("/") else ".*"
            elif part == "*":
                regex += "[^/]*"
            elif part == "?":
                regex += "[^/]"
            else:
                regex += re.escape(part)
        return re.fullmatch(regex, candidate) is not None

    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if any(matches(pattern.lstrip("!"), candidate) for candidate in candidates):
            excluded = not negated
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "var/linli.sqlite3",
        "var/vapid.json",
        "var/payment-sandbox/wechat-private.pem",
        ".git",
        ".git/config",
        ".env",
        ".env.production",
        "node_modules/bootstrap/dist/css/bootstrap.css",
        "accounts/__pycache__/models.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/CACHEDIR.TAG",
        "linli.egg-info/PKG-INFO",
        "staticfiles/staticfiles.json",
        "locale/zh_Hans/LC_MESSAGES/django.mo",
    ],
)
def test_the_image_leaves_out_local_data_secrets_and_installed_things(path):
    assert excluded_by_dockerignore(path, dockerignore_patterns()), path


def test_the_image_keeps_what_the_dockerfile_needs():
    patterns = dockerignore_patterns()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for name in source.split():
            if name != ".":
                assert not excluded_by_dockerignore(name, patterns), name
    for path in (
        "manage.py",
        "config/settings/production.py",
        "locale/zh_Hans/LC_MESSAGES/django.po",
        "static/shared/linli.css",
        "templates/500.html",
        "package.json",
    ):
        assert not excluded_by_dockerignore(path, patterns), path


def test_worker_and_beat_wait_for_the_migrations(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert re.search(r"manage\.py migrate\b", command_of(migrate))
    assert migrate.get("restart", "no") == "no", "a one-shot service must not restart"
    assert migrate["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        # Only the one-shot service migrates; the others start their program as PID 1, so
        # that `docker compose stop` reaches it (a `sh -c` would swallow SIGTERM).
        assert "migrate" not in command_of(services[name]), name
        assert not command_of(services[name]).startswith("sh "), name


def test_collected_static_files_live_outside_the_data_folder(compose, tmp_path):
    from tests.test_settings import settings_under

    values = settings_under(LINLI_VAR_DIR=str(tmp_path / "var"))
    assert not Path(values["static_root"]).is_relative_to(tmp_path / "var")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    var_dir = re.search(r"LINLI_VAR_DIR=(\S+)", dockerfile).group(1)
    static_root = Path(values["static_root"]).relative_to(ROOT)
    assert not (Path("/app") / static_root).is_relative_to(var_dir)
    for name in ("web", "worker", "beat", "migrate"):
        for volume in compose["services"][name].get("volumes", []):
            target = volume.split(":")[1]
            assert not (Path("/app") / static_root).is_relative_to(target), volume
