"""Tests: the same settings, a fast password hasher, and DATABASE_URL/REDIS_URL as given."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
# Backups are encrypted with a key from the environment; this one is for this machine only.
os.environ.setdefault("LINLI_BACKUP_KEY", "test-only-not-secret-backups")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from .base import *  # noqa: E402,F403
from .base import CACHES, DATABASES, VAR_DIR  # noqa: E402

DEBUG = False
# Payments through the sandbox where no merchant credentials are set (a setting, not the
# environment: the tests that start the production settings in a subprocess must not inherit it).
PAYMENT_SANDBOX = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A separate prefix per test run so that parallel runs on one Redis do not meet.
CACHES["default"]["KEY_PREFIX"] = f"linli-test-{os.getpid()}"
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES["default"]["LOCATION"] = str(VAR_DIR / f"test-cache-{os.getpid()}")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-linli.sqlite3")}

# Text messages collect in accounts.sms.outbox; tests/conftest.py runs the SMS task in-process.
SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"

# Private uploads of this run go to a folder of their own, removed when the run ends
# (tests/conftest.py).
STORAGES["private"]["OPTIONS"]["location"] = str(VAR_DIR / f"test-private-{os.getpid()}")  # noqa: F405

# Backups of this run (the demo's, tests that do not choose a folder) go to folders of their own.
LINLI_BACKUP_DESTINATION = str(VAR_DIR / f"test-backups-{os.getpid()}")
LINLI_BACKUP_WORK_DIR = str(VAR_DIR / f"test-backup-work-{os.getpid()}")

# Pushes collect in notices.channels.outbox; SMS goes through the locmem SMS backend above.
NOTIFY_BACKENDS = {
    # A real worker started by a test may be given the real Web Push backend.
    "webpush": os.environ.get("NOTIFY_WEBPUSH_BACKEND", "notices.channels.LocmemBackend"),
    "wechat": "notices.channels.LocmemBackend",
    "sms": "notices.channels.sms.SmsBackend",
}

# Pages are made afresh in tests, so that they test the views (and count their queries); the
# page cache's own tests turn it on (tests/kit/test_pagecache.py).
LINLI_PAGE_CACHE_SECONDS = 0
