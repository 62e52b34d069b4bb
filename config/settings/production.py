"""Production: every secret and host from the environment, no defaults; HTTPS everywhere."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
if PAYMENT_SANDBOX:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("PAYMENT_SANDBOX must be off in production: no money would move.")
if LINLI_OAUTH_SANDBOX:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "LINLI_OAUTH_SANDBOX must be off in production: anyone could log in as any WeChat or "
        "QQ user."
    )
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# No default: the console backend would print login codes into the logs.
SMS_BACKEND = env.str("SMS_BACKEND")
# No default either: the console backends would only log residents' pushes. A deployment
# without WeChat or Web Push names notices.channels.ConsoleBackend on purpose.
NOTIFY_BACKENDS = {
    **NOTIFY_BACKENDS,  # noqa: F405
    "webpush": env.str("NOTIFY_WEBPUSH_BACKEND"),
    "wechat": env.str("NOTIFY_WECHAT_BACKEND"),
}
# No default: backups are refused without their key, and a key made up here would be lost
# with the container (docs/operations.md).
LINLI_BACKUP_KEY = env.str("LINLI_BACKUP_KEY")
# No default: payment notifications and receipts' QR codes would point at 127.0.0.1.
LINLI_SITE_URL = env.str("LINLI_SITE_URL").rstrip("/")

# Behind the proxy of docker-compose.yml (deploy/nginx.conf), which sets X-Forwarded-Proto and
# X-Forwarded-For. No default for the number of proxies: a wrong one either puts every client
# behind one address (one person's wrong passwords lock everybody out) or lets clients choose
# theirs (docs/deployment.md, "The proxy").
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LINLI_TRUSTED_PROXY_COUNT = env.int("LINLI_TRUSTED_PROXY_COUNT")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
