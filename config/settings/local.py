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
