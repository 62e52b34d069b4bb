"""As little as Django serves a page with: no database, no apps, no middleware but the common
one. Nothing here is secret: the project is never deployed."""

SECRET_KEY = "bench-baseline-only"  # noqa: S105 - a local yardstick, never deployed
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.baseline.urls"
WSGI_APPLICATION = "bench.baseline.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES: dict = {}
USE_TZ = True
