"""Local runs (`make run`): debug on, a development secret, every host of this machine."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
# Backups are encrypted with a key from the environment; this one is for this machine only.
os.environ.setdefault("LINLI_BACKUP_KEY", "local-development-only-not-secret-backups")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")
# WeChat and QQ login against local stand-ins (accounts.sandbox) unless real apps are set.
os.environ.setdefault("LINLI_OAUTH_SANDBOX", "true")
# Online payments through the sandbox for every method without merchant credentials.
os.environ.setdefault("PAYMENT_SANDBOX", "true")

from .base import *  # noqa: E402,F403

# Static files as in production (issue 20): `make run` collects them (hashed, gzip and Brotli
# copies) and WhiteNoise serves those, cached for a year; files that collectstatic has not seen
# yet still come from their source folders (WhiteNoise's finders in DEBUG).
STORAGES["staticfiles"]["BACKEND"] = "config.staticfiles.LocalManifestStaticFilesStorage"  # noqa: F405
