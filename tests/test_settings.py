"""Configuration comes from the environment: each case runs Django in a fresh process."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST", ""),
    "broker": settings.CELERY_BROKER_URL,
    "results": settings.CELERY_RESULT_BACKEND,
    "cache": settings.CACHES["default"]["BACKEND"],
    "language": settings.LANGUAGE_CODE,
    "time_zone": settings.TIME_ZONE,
    "debug": settings.DEBUG,
    "module": settings.SETTINGS_MODULE,
    "static_root": str(settings.STATIC_ROOT),
    "site_url": settings.LINLI_SITE_URL,
    "admins": settings.ADMINS,
}))
"""


def run_django(code_or_args, settings_module, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "SENTRY_", "LINLI_"))
        and k not in ("HOST", "PORT", "PAYMENT_SANDBOX")
    }
    clean.update(env)
    if settings_module:  # None: as the entry point (wsgi, celery, manage.py) chooses
        clean["DJANGO_SETTINGS_MODULE"] = settings_module
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def settings_under(settings_module="config.settings.local", **env):
    result = run_django(PRINT_SETTINGS, settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_zero_setup_default_is_sqlite_and_a_serverless_broker(tmp_path):
    values = settings_under(LINLI_VAR_DIR=str(tmp_path))
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "linli.sqlite3")
    assert values["broker"] == "filesystem://"
    assert values["results"].startswith("file://")
    assert values["cache"].endswith("FileBasedCache")
    assert (tmp_path / "celery" / "queue").is_dir()


@pytest.mark.req("X-2")
def test_chinese_and_shanghai_time_by_default(tmp_path):
    values = settings_under(LINLI_VAR_DIR=str(tmp_path))
    assert values["language"] == "zh-hans"
    assert values["time_zone"] == "Asia/Shanghai"


def test_a_key_is_text_or_the_contents_of_a_file_never_both(tmp_path):
    """Key text is never taken for a path (a long base64 run is a name too long for the
    filesystem): a file's path goes in NAME_FILE."""
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    key_file = tmp_path / "alipay_app_key.pem"
    key_file.write_text(pem)
    show = "import django; from django.conf import settings; django.setup(); "
    show += "print(repr((settings.ALIPAY_APP_PRIVATE_KEY, settings.UNIONPAY_SIGN_KEY)))"
    env = {"LINLI_VAR_DIR": str(tmp_path), "UNIONPAY_SIGN_KEY": "A" * 300}

    result = run_django(
        show, "config.settings.local", **env, ALIPAY_APP_PRIVATE_KEY_FILE=str(key_file)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr((pem, "A" * 300))

    both = run_django(
        show, "config.settings.local", **env, ALIPAY_APP_PRIVATE_KEY="MIIE",
        ALIPAY_APP_PRIVATE_KEY_FILE=str(key_file),
    )  # fmt: skip
    assert both.returncode != 0
    assert "ALIPAY_APP_PRIVATE_KEY or ALIPAY_APP_PRIVATE_KEY_FILE, not both" in both.stderr


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(tmp_path):
    values = settings_under(
        LINLI_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://linli:pw@db.internal:5432/linli",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db.internal" and values["name"] == "linli"
    assert values["broker"] == values["results"] == "redis://cache.internal:6379/0"
    assert values["cache"] == "config.cache.FailSoftRedisCache"  # Django's, failing soft


def test_production_needs_its_secrets(tmp_path):
    result = run_django(PRINT_SETTINGS, "config.settings.production", LINLI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    result = run_django(
        PRINT_SETTINGS,
        "config.settings.production",
        LINLI_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr
    result = run_django(
        PRINT_SETTINGS,
        "config.settings.production",
        LINLI_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="linli.example.com",
    )
    assert result.returncode != 0
    assert "SMS_BACKEND" in result.stderr
    result = run_django(
        PRINT_SETTINGS,
        "config.settings.production",
        LINLI_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="linli.example.com",
        SMS_BACKEND="accounts.sms.backends.aliyun.SmsBackend",
    )
    assert result.returncode != 0
    assert "NOTIFY_WEBPUSH_BACKEND" in result.stderr


def production_env(tmp_path, **env) -> dict[str, str]:
    """Everything the production settings require, with example values."""
    return {
        "LINLI_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "linli.example.com",
        "SMS_BACKEND": "accounts.sms.backends.aliyun.SmsBackend",
        "NOTIFY_WEBPUSH_BACKEND": "notices.channels.webpush.WebPushBackend",
        "NOTIFY_WECHAT_BACKEND": "notices.channels.wechat.WechatTemplateBackend",
        "LINLI_SITE_URL": "https://linli.example.com",
        "LINLI_TRUSTED_PROXY_COUNT": "1",
        "LINLI_BACKUP_KEY": secrets.token_urlsafe(32),
        **env,
    }


def test_production_passes_the_deploy_check(tmp_path):
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        "config.settings.production",
        **production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    values = settings_under("config.settings.production", **production_env(tmp_path))
    assert values["debug"] is False


def test_migrations_are_complete():
    result = run_django(
        ["manage.py", "makemigrations", "--check", "--dry-run"], "config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_needs_the_site_address(tmp_path):
    """Payment providers' notification addresses and receipts' QR codes are built from it:
    a default would send them to 127.0.0.1."""
    env = production_env(tmp_path)
    del env["LINLI_SITE_URL"]
    result = run_django(PRINT_SETTINGS, "config.settings.production", **env)
    assert result.returncode != 0
    assert "LINLI_SITE_URL" in result.stderr
    values = settings_under("config.settings.production", **production_env(tmp_path))
    assert values["site_url"] == "https://linli.example.com"


@pytest.mark.parametrize(
    "entry_point",
    [
        "import config.wsgi",
        "from config.celery import app; app.loader.import_default_modules()",
        ["manage.py", "check"],
    ],
)
def test_entry_points_default_to_production(tmp_path, entry_point):
    """wsgi, celery and manage.py without DJANGO_SETTINGS_MODULE run the production settings:
    they refuse to start without the production secrets instead of starting with DEBUG on
    and the payment sandbox."""
    result = run_django(entry_point, None, LINLI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    show = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    if isinstance(entry_point, list):
        args = ["manage.py", "shell", "-c", show]
    else:
        args = f"{entry_point}\n{show}"
    result = run_django(args, None, **production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.production", "False"]


def test_local_runs_name_the_local_settings():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "export DJANGO_SETTINGS_MODULE ?= config.settings.local" in makefile
    for script in (ROOT / "bench").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        if "django.setup()" in text:
            # bench/lighthouse.py measures production serving: it names those settings, and
            # bench/throughput.py takes them from it; bench/load.py gives its servers local ones.
            assert (
                '"DJANGO_SETTINGS_MODULE", "config.settings.local"' in text
                or '"DJANGO_SETTINGS_MODULE": "config.settings.local"' in text
                or '"DJANGO_SETTINGS_MODULE": "config.settings.production"' in text
                or re.search(r"from bench\.lighthouse import .*\bproduction_environment\b", text)
            ), script.name


def test_production_refuses_the_oauth_sandbox(tmp_path):
    """The sandbox logs anyone in as any WeChat or QQ user."""
    result = run_django(
        PRINT_SETTINGS,
        "config.settings.production",
        **production_env(tmp_path, LINLI_OAUTH_SANDBOX="true"),
    )
    assert result.returncode != 0
    assert "LINLI_OAUTH_SANDBOX must be off in production" in result.stderr


def test_the_site_address_follows_host_and_port(tmp_path):
    values = settings_under(LINLI_VAR_DIR=str(tmp_path), HOST="127.0.0.1", PORT="8201")
    assert values["site_url"] == "http://127.0.0.1:8201"
    values = settings_under(LINLI_VAR_DIR=str(tmp_path))
    assert values["site_url"] == "http://127.0.0.1:8000"
    values = settings_under(
        LINLI_VAR_DIR=str(tmp_path), PORT="8201", LINLI_SITE_URL="https://wuye.example.com/"
    )
    assert values["site_url"] == "https://wuye.example.com"


def test_admins_come_from_the_environment(tmp_path):
    values = settings_under(
        LINLI_VAR_DIR=str(tmp_path), DJANGO_ADMINS="运维 值班 <ops@wuye.example.cn>, li@example.cn"
    )
    assert values["admins"] == [["运维 值班", "ops@wuye.example.cn"], ["", "li@example.cn"]]
    assert settings_under(LINLI_VAR_DIR=str(tmp_path))["admins"] == []
