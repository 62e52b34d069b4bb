"""docker-compose.yml and the Dockerfile describe a runnable production: each service's
command names things that exist in this code base."""

import importlib
import re
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
    web = command_of(services["web"])
    assert "manage.py migrate" in web
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
