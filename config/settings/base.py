"""Settings shared by every environment. Everything that differs is read from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.cache import redis_cache
from config.observability import admins_from, init_sentry, package_release
from config.storage import object_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("LINLI_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
# Where `make run` listens; the site's address (LINLI_SITE_URL) unless that is set.
_local_address = f"http://{env.str('HOST', default='127.0.0.1')}:{env.str('PORT', default='8000')}"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin with the operators' pages (platform_admin.site.LinliAdminSite).
    "platform_admin.apps.LinliAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "guardian",
    "django_celery_beat",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_guid",
    "kit",
    "accounts",
    "accounts.providers",
    "accounts.providers.weixin_mp",
    "accounts.providers.qq",
    "staff",
    "platform_admin",
    "repairs",
    "billing",
    "notices",
    "services",
    "complaints",
]

MIDDLEWARE = [
    # Request id (X-Request-ID, else a new one) for the logs, the response and Sentry.
    "django_guid.middleware.guid_middleware",
    # Before host validation: docker and load balancers call /healthz by address.
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (the settings below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and htmx fragments gzip-compressed (static files come compressed from WhiteNoise,
    # above, which answers before this; BREACH: see the class).
    "config.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user's row from the cache (accounts.middleware).
    "accounts.middleware.AuthenticationMiddleware",
    "config.middleware.RequestUserMiddleware",
    # Who used the residents' portal today, and which features (PSTA-1): one row per user and day.
    "platform_admin.usage.recording.UsageMiddleware",
    # Bounds what the images of one request may cost, and uploads per account (kit.images).
    "accounts.middleware.UploadBudgetMiddleware",
    # 长辈模式: the cookie follows the account's choice (set at login), for pages before login.
    "accounts.middleware.LargeTextCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Operators and managers: the staff portal and the admin only after a second factor.
    "accounts.mfa.SecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "staff.middleware.StaffCommunityMiddleware",
    # Last: turns a locked-out login into the login page with a message (accounts.limits).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.resident_portal",
                "staff.context_processors.staff_portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite under var/ is the zero-setup default; DATABASE_URL=postgres://... switches to
# PostgreSQL through psycopg 3.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'linli.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and beat write to the same file: wait for locks instead of
    # failing, take the write lock up front, and let readers run beside a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # An index's INCLUDE columns (billing's bill_unpaid_due_idx) are PostgreSQL's; SQLite
    # makes the index without them, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it costs a short query on a big table (an arrears sum) more than it
    # saves, as in most OLTP work.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, results and cache ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Fails soft (config.cache): while Redis is down a read is a miss, not a 500.
    CACHES = {
        "default": redis_cache(REDIS_URL, prefix=env.str("CACHE_KEY_PREFIX", default="linli")),
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Sessions read from Redis, written through to the database (which keeps them when Redis
    # restarts): one query less on every page.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # No server at all: a file cache shared by web, worker and beat, and kombu's filesystem
    # transport as broker. See docs/configuration.md: it is for one machine and a handful of messages.
    CELERY_DIR = VAR_DIR / "celery"
    for folder in ("queue", "processed", "results", "control"):
        (CELERY_DIR / folder).mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"

# What must hold while Redis is down lives in the database: allauth's rate limits and the SMS
# codes of accounts.otp in this table (created by an accounts migration), the SMS and request
# limits of accounts.limits in accounts.RateCounter. Expired rows go when the table passes
# MAX_ENTRIES (Django culls expired entries first).
CACHES["limits"] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "linli_limits_cache",
    "KEY_PREFIX": CACHES["default"].get("KEY_PREFIX", ""),
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}

# Resident pages and staff lists kept whole per visitor until a table they read is written
# (kit.pagecache), for at most this many seconds. Needs the shared cache of Redis: 0 without.
LINLI_PAGE_CACHE_SECONDS = env.int("LINLI_PAGE_CACHE_SECONDS", default=30 if REDIS_URL else 0)

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The tenant, named the way AUTH_USER_MODEL names the user: the shared kit (the audit log's
# community) refers to it through this setting and so names no app of the project.
LINLI_COMMUNITY_MODEL = "accounts.Community"
# The property company, named the same way for the kit's platform parameters (company overrides).
LINLI_COMPANY_MODEL = "accounts.PropertyCompany"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out number + IP before any password is checked.
    "accounts.limits.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.auth_forms.LoginForm",
    "signup": "accounts.auth_forms.SignupForm",
    "request_login_code": "accounts.auth_forms.RequestLoginCodeForm",
    "confirm_login_code": "accounts.auth_forms.ConfirmLoginCodeForm",
    "verify_phone": "accounts.auth_forms.VerifyPhoneForm",
    "change_phone": "accounts.auth_forms.ChangePhoneForm",
    "reset_password": "accounts.auth_forms.ResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"phone"}
# Sign-up is code first (accounts.auth_forms.SignupForm): number, SMS code, optional password.
ACCOUNT_SIGNUP_FIELDS = ["phone*", "password1"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
# Changing the phone number or e-mail, or setting a first password, asks for the password (or
# an SMS code to the current number) again when the last confirmation is older than this.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
# The user of a password change keeps this session; every other session ends (auth hash).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False

# SMS codes: six digits, one lifetime and one number of tries for allauth's flows (login by
# code, phone verification) and ours (accounts.otp: sign-up, password reset, re-authentication).
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
LINLI_SMS_CODE_TTL = 5 * 60
LINLI_SMS_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = LINLI_SMS_CODE_TTL
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = LINLI_SMS_CODE_MAX_ATTEMPTS
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 3
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = LINLI_SMS_CODE_TTL
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = LINLI_SMS_CODE_MAX_ATTEMPTS
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3
# Texts per number and per client IP (accounts.limits, counted in the database so that they
# hold while Redis is down). They apply to every text we send, so allauth's own per-number
# limits on codes are not needed.
LINLI_SMS_LIMITS = {
    "number_interval": 60,  # seconds between two texts to one number
    "number": ["5/h", "10/d"],
    "ip": ["20/h", "60/d"],
}
# Texts for the whole site: past either, codes are refused for everybody and the operators
# (ADMINS) get one e-mail per window. A flood of sign-ups from many addresses stops here.
LINLI_SMS_SITE_BUDGET = env.list("SMS_SITE_BUDGET", default=["500/h", "3000/d"])
# Per account ("user") and per client address ("ip"): what costs us work, storage or a
# provider's fees. Uploads count once per request that carries files.
LINLI_ACTION_LIMITS = {
    "residency_request": {"user": ["5/h", "20/d"], "ip": ["30/h"]},
    "repair_report": {"user": ["10/h", "30/d"], "ip": ["60/h"]},
    "service_booking": {"user": ["10/h", "30/d"], "ip": ["60/h"]},
    "payment_start": {"user": ["20/h", "60/d"], "ip": ["120/h"]},
    "upload": {"user": ["30/h", "100/d"], "ip": ["200/h"]},
    "provider_apply": {"user": ["3/h", "5/d"], "ip": ["20/h"]},
    "complaint_file": {"user": ["10/h", "30/d"], "ip": ["60/h"]},
    "suggestion_submit": {"user": ["5/h", "20/d"], "ip": ["60/h"]},
}
ACCOUNT_RATE_LIMITS = {
    # Password failures: per IP, and per number from any IP (a distributed guesser); a victim
    # can still log in by SMS code. Per number + IP lockouts are django-axes' (below).
    "login_failed": "10/m/ip,20/h/key",
    "change_phone": "10/m/user",
    "request_login_code": "20/m/ip",
    "verify_phone": None,
}

# Second factor (allauth.mfa) for operators and managers: accounts.mfa.requires_second_factor.
# Wrong codes count as "login_failed" (above), per account. E-mail is no login here, so an
# unverified address does not stand in the way of setting up an authenticator app.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ALLOW_UNVERIFIED_EMAIL = True
# One 30-second step either side: a phone's clock a little off, a code typed as it changes.
MFA_TOTP_TOLERANCE = 1

# The client's address: how many reverse proxies in front of the app write X-Forwarded-For
# (docker-compose.yml ships one, nginx, which overwrites what the client sent). 0: no proxy,
# REMOTE_ADDR is the client and X-Forwarded-For is ignored. N: the N-th entry from the right,
# the one the outermost trusted proxy wrote; what the client wrote before it never counts. This
# one setting governs one function, kit.net.client_ip, which serves allauth, django-axes,
# django-ratelimit (the SMS limits), the audit log and the payment providers; a system check
# warns when it disagrees with SECURE_PROXY_SSL_HEADER (accounts.checks).
LINLI_TRUSTED_PROXY_COUNT = env.int("LINLI_TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "kit.net.client_ip"
RATELIMIT_IPV6_MASK = 64

# Password brute force: a number is locked for one client IP only, and not for long.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.limits.axes_username"
AXES_CLIENT_IP_CALLABLE = "kit.net.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.limits.axes_lockout_response"

# --- E-mail -------------------------------------------------------------------------------
# EMAIL_URL=smtp+tls://user:password@smtp.example.com:587 (django-environ); the console backend
# prints messages for local runs. Only verified addresses receive password-reset links.
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update({name: value for name, value in _email.items() if value is not None})
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# --- Social login: WeChat and QQ (django-allauth) ----------------------------------------
# Three apps, each configured only when its id is set; a provider without an app shows no button
# (operators may also add apps in the admin). WeChat has two: the open-platform website app for
# QR login on desktops and the official account for login inside WeChat's own browser.
# Endpoint URLs (AUTHORIZE_URL, ACCESS_TOKEN_URL, PROFILE_URL, QQ's ME_URL) default to the real
# ones in accounts/providers and can be set here per provider. LINLI_OAUTH_SANDBOX (on in local
# runs) fills every app left unset with a stand-in served by accounts.sandbox under /sandbox/oauth/.
SOCIALACCOUNT_ADAPTER = "accounts.social_adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "accounts.providers.forms.BindPhoneForm"}
SOCIALACCOUNT_AUTO_SIGNUP = False  # every social sign-up binds and verifies a mobile number
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "provider_class": "accounts.providers.weixin.provider.WechatQRProvider",
        "SCOPE": ["snsapi_login"],
    },
    "weixin_mp": {"SCOPE": ["snsapi_userinfo"]},
    "qq": {"SCOPE": ["get_user_info"]},
}
_social_apps = {
    "weixin": ("WECHAT_OPEN_APP_ID", "WECHAT_OPEN_APP_SECRET"),
    "weixin_mp": ("WECHAT_MP_APP_ID", "WECHAT_MP_APP_SECRET"),
    "qq": ("QQ_APP_ID", "QQ_APP_KEY"),
}
for _provider, (_id_var, _secret_var) in _social_apps.items():
    if env.str(_id_var, default=""):
        SOCIALACCOUNT_PROVIDERS[_provider]["APP"] = {
            "client_id": env.str(_id_var),
            "secret": env.str(_secret_var),
        }
LINLI_OAUTH_SANDBOX = env.bool("LINLI_OAUTH_SANDBOX", default=False)
if LINLI_OAUTH_SANDBOX:
    # The browser is sent to a relative URL; the server calls the sandbox over HTTP itself.
    _sandbox = env.str("LINLI_OAUTH_SANDBOX_URL", default=_local_address)
    _sandbox_urls = {
        "weixin": {
            "AUTHORIZE_URL": "/sandbox/oauth/weixin/connect/qrconnect",
            "ACCESS_TOKEN_URL": f"{_sandbox}/sandbox/oauth/weixin/sns/oauth2/access_token",
            "PROFILE_URL": f"{_sandbox}/sandbox/oauth/weixin/sns/userinfo",
        },
        "weixin_mp": {
            "AUTHORIZE_URL": "/sandbox/oauth/weixin/connect/oauth2/authorize",
            "ACCESS_TOKEN_URL": f"{_sandbox}/sandbox/oauth/weixin/sns/oauth2/access_token",
            "PROFILE_URL": f"{_sandbox}/sandbox/oauth/weixin/sns/userinfo",
        },
        "qq": {
            "AUTHORIZE_URL": "/sandbox/oauth/qq/oauth2.0/authorize",
            "ACCESS_TOKEN_URL": f"{_sandbox}/sandbox/oauth/qq/oauth2.0/token",
            "ME_URL": f"{_sandbox}/sandbox/oauth/qq/oauth2.0/me",
            "PROFILE_URL": f"{_sandbox}/sandbox/oauth/qq/user/get_user_info",
        },
    }
    for _provider, _urls in _sandbox_urls.items():
        if "APP" not in SOCIALACCOUNT_PROVIDERS[_provider]:
            SOCIALACCOUNT_PROVIDERS[_provider].update(_urls)
            SOCIALACCOUNT_PROVIDERS[_provider]["APP"] = {
                "client_id": f"sandbox-{_provider}",
                "secret": f"sandbox-{_provider}-secret",
            }

# --- Internationalisation: Chinese first, English second ----------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
# Collected static files are built from the code, not data: outside VAR_DIR, so that backups
# and volumes of VAR_DIR leave them out (and cannot hide the image's copy).
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Third-party assets come from npm at set-up time (node_modules is not committed).
NODE_MODULES = BASE_DIR / "node_modules"
BUILT_ASSETS = BASE_DIR / "build" / "assets"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/quill", NODE_MODULES / "quill" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/zxing", NODE_MODULES / "@zxing" / "browser" / "umd"),
    ("vendor/photoswipe", NODE_MODULES / "photoswipe" / "dist"),
    # The stylesheets and the icon font bin/build-assets.mjs builds (`make`), as static/bundle/.
    ("bundle", BUILT_ASSETS),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
PRIVATE_MEDIA_ROOT = Path(
    env.str("DJANGO_PRIVATE_MEDIA_ROOT", default=str(MEDIA_ROOT.parent / "private-media"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files only views with permission checks hand out (proof of residence): never under
    # MEDIA_URL, so no web server or DEBUG static route can serve them.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# WhiteNoise (production, `make run`) serves gzip and Brotli copies of the static files and caches
# the hashed ones for a year (immutable). Source maps stay uncompressed: only developer tools
# load them, and compressing their megabytes was most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Uploads in S3-compatible object storage (config.storage), for more than one web server:
# LINLI_STORAGE_URL=s3://bucket/prefix, the endpoint, region, addressing style and signature
# for MinIO, Aliyun OSS or Tencent COS, credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
# Unset: the folders above (one machine, or a volume every web server mounts).
LINLI_STORAGE_URL = env.str("LINLI_STORAGE_URL", default="")
# How long a signed URL of a private file stays valid (kit.downloads).
LINLI_SIGNED_URL_SECONDS = env.int("LINLI_SIGNED_URL_SECONDS", default=300)
if LINLI_STORAGE_URL:
    _bucket = {
        "endpoint_url": env.str("LINLI_S3_ENDPOINT_URL", default=""),
        "region": env.str("LINLI_S3_REGION", default=""),
        "addressing_style": env.str("LINLI_S3_ADDRESSING_STYLE", default="auto"),
        "signature_version": env.str("LINLI_S3_SIGNATURE_VERSION", default="s3v4"),
        "signed_url_seconds": LINLI_SIGNED_URL_SECONDS,
    }
    STORAGES["default"] = object_storage(LINLI_STORAGE_URL, folder="media", **_bucket)
    STORAGES["private"] = object_storage(LINLI_STORAGE_URL, folder="private", **_bucket)
# How permission-checked views hand out a private file (kit.downloads): "app" streams it through
# the web process (answering Range requests); "redirect" answers 302 to a signed URL of the
# object store (object storage only; elsewhere as "app"); "accel" lets the proxy send it
# (X-Accel-Redirect to LINLI_ACCEL_REDIRECT_PREFIX + "files/<name>" for the folder,
# + "object/<signed path>" for the bucket: internal locations of deploy/nginx.conf).
LINLI_PRIVATE_FILES_DELIVERY = env.str("LINLI_PRIVATE_FILES_DELIVERY", default="app")
if LINLI_PRIVATE_FILES_DELIVERY not in ("app", "redirect", "accel"):
    raise ImproperlyConfigured("LINLI_PRIVATE_FILES_DELIVERY must be app, redirect or accel.")
LINLI_ACCEL_REDIRECT_PREFIX = env.str("LINLI_ACCEL_REDIRECT_PREFIX", default="/_protected/")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Backups (PSET-2, docs/operations.md) ---------------------------------------------------
# Archives are encrypted with a key derived from LINLI_BACKUP_KEY, which lives only in the
# environment (production requires it; local and test settings set a development one). Without
# the key no archive can be read: keep a copy of it apart from the backups.
LINLI_BACKUP_KEY = env.str("LINLI_BACKUP_KEY", default="")
# A folder (a path or file:///path) or an S3-compatible bucket (s3://bucket/prefix).
LINLI_BACKUP_DESTINATION = env.str("LINLI_BACKUP_DESTINATION", default=str(VAR_DIR / "backups"))
LINLI_BACKUP_S3_ENDPOINT_URL = env.str("LINLI_BACKUP_S3_ENDPOINT_URL", default="")
LINLI_BACKUP_S3_REGION = env.str("LINLI_BACKUP_S3_REGION", default="")
# Where archives are written before they go to the destination (room for one archive).
LINLI_BACKUP_WORK_DIR = env.str("LINLI_BACKUP_WORK_DIR", default=str(VAR_DIR / "backup-work"))
# Retention: the newest backup of each of the last N days, ISO weeks and months.
LINLI_BACKUP_KEEP_DAILY = env.int("LINLI_BACKUP_KEEP_DAILY", default=7)
LINLI_BACKUP_KEEP_WEEKLY = env.int("LINLI_BACKUP_KEEP_WEEKLY", default=4)
LINLI_BACKUP_KEEP_MONTHLY = env.int("LINLI_BACKUP_KEEP_MONTHLY", default=12)
# No successful backup for this long: the operators are told (hourly check).
LINLI_BACKUP_MAX_AGE_HOURS = env.int("LINLI_BACKUP_MAX_AGE_HOURS", default=26)
# Seconds a backup, a verification or a community export may take in the worker.
LINLI_BACKUP_TIME_LIMIT = env.int("LINLI_BACKUP_TIME_LIMIT", default=4 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Libraries ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# --- Product ------------------------------------------------------------------------------
LINLI_SITE_NAME = env.str("LINLI_SITE_NAME", default="邻里")
STAFF_LIST_PAGE_SIZE = 25

# --- SMS ----------------------------------------------------------------------------------
# Backends: accounts.sms.backends.{console,locmem,aliyun,tencent}.SmsBackend. The texts are the
# templates registered with the provider under the sign name; a provider gets only the template
# code (Aliyun) or id (Tencent) and the parameters. Codes and ids come from the environment as
# e.g. SMS_ALIYUN_TEMPLATE_CODES=verification_code=SMS_123,unknown_account=SMS_124,...
SMS_BACKEND = env.str("SMS_BACKEND", default="accounts.sms.backends.console.SmsBackend")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default=LINLI_SITE_NAME)
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_REGION = env.str("SMS_ALIYUN_REGION", default="cn-hangzhou")
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com")
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="https://sms.tencentcloudapi.com")
_aliyun_codes = env.dict("SMS_ALIYUN_TEMPLATE_CODES", default={})
_tencent_ids = env.dict("SMS_TENCENT_TEMPLATE_IDS", default={})
# The notification spine's outside channels (notices/channels/). Console backends log what
# they would send; set the real ones with their keys in production.
# Maps (the technician's position on a repair order): Leaflet with these tiles. 高德 and 腾讯
# tiles are drawn in GCJ-02, so browser (WGS-84) positions are converted for them; set
# MAP_TILE_CRS=wgs84 for tiles that are not shifted (OpenStreetMap, a self-hosted server).
MAP_TILE_URL = env.str(
    "MAP_TILE_URL",
    default="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
)
MAP_TILE_SUBDOMAINS = env.str("MAP_TILE_SUBDOMAINS", default="1234")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© 高德地图")
MAP_TILE_CRS = env.str("MAP_TILE_CRS", default="gcj02")
# The font embedded in receipts and other PDFs (kit.fonts), also in charts: TrueType with Chinese glyphs.
PDF_CJK_FONT = env.str("PDF_CJK_FONT", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PDF_CJK_FONT_INDEX = env.int("PDF_CJK_FONT_INDEX", default=0)

# How often the technician's phone sends its position while repairing (seconds).
REPAIR_POSITION_INTERVAL_SECONDS = env.int("REPAIR_POSITION_INTERVAL_SECONDS", default=20)

# The parcel desk reminds a household of a parcel waiting longer than this (days), once a day.
LINLI_PARCEL_REMIND_AFTER_DAYS = env.int("LINLI_PARCEL_REMIND_AFTER_DAYS", default=3)

# A replied complaint the household did not answer (accept or return) closes after this many days.
LINLI_COMPLAINT_AUTO_CLOSE_DAYS = env.int("LINLI_COMPLAINT_AUTO_CLOSE_DAYS", default=7)

# Operators are alerted this many days before a partner agreement ends (each once), e.g. "30,7".
LINLI_AGREEMENT_EXPIRY_ALERT_DAYS = env.list(
    "LINLI_AGREEMENT_EXPIRY_ALERT_DAYS", cast=int, default=[30, 7]
)

NOTIFY_BACKENDS = {
    "webpush": env.str("NOTIFY_WEBPUSH_BACKEND", default="notices.channels.ConsoleBackend"),
    "wechat": env.str("NOTIFY_WECHAT_BACKEND", default="notices.channels.ConsoleBackend"),
    "sms": env.str("NOTIFY_SMS_BACKEND", default="notices.channels.sms.SmsBackend"),
}
# A delivery still "sending" this long after it was claimed was lost with its worker; one
# still queued this long after it was handed to the broker was lost by the broker; a notice
# whose fan-out has not finished this long after publishing, or a fan-out of notices.fanout
# (bill runs) this long after its task was handed over, lost its task. The sweep (Celery
# beat, every minute) takes each of them up again.
NOTIFY_SENDING_LEASE_SECONDS = env.int("NOTIFY_SENDING_LEASE_SECONDS", default=300)
NOTIFY_REDISPATCH_SECONDS = env.int("NOTIFY_REDISPATCH_SECONDS", default=300)
NOTIFY_FAN_OUT_RETRY_SECONDS = env.int("NOTIFY_FAN_OUT_RETRY_SECONDS", default=120)
# The queue of the spine's tasks: a deployment may give deliveries workers of their own.
NOTIFY_QUEUE = env.str("NOTIFY_QUEUE", default="celery")
CELERY_TASK_ROUTES = {"notices.tasks.*": {"queue": NOTIFY_QUEUE}}

SMS_TEMPLATES = {
    "verification_code": {
        "text": "您的验证码是{code}，{minutes}分钟内有效。如非本人操作请忽略。",
        "aliyun": _aliyun_codes.get("verification_code", ""),
        "tencent": _tencent_ids.get("verification_code", ""),
        # Tencent numbers its placeholders {1}, {2}…: our parameter names in that order.
        "tencent_params": ["code", "minutes"],
    },
    "unknown_account": {
        "text": "该手机号尚未注册账号，如需使用请先注册。如非本人操作请忽略。",
        "aliyun": _aliyun_codes.get("unknown_account", ""),
        "tencent": _tencent_ids.get("unknown_account", ""),
        "tencent_params": [],
    },
    "account_exists": {
        "text": "该手机号已注册账号，请直接登录；忘记密码可通过找回密码重置。如非本人操作请忽略。",
        "aliyun": _aliyun_codes.get("account_exists", ""),
        "tencent": _tencent_ids.get("account_exists", ""),
        "tencent_params": [],
    },
    "family_invitation": {
        "text": "{inviter}邀请您成为{room}的家庭成员，登录后在“我的”中接受邀请。",
        "aliyun": _aliyun_codes.get("family_invitation", ""),
        "tencent": _tencent_ids.get("family_invitation", ""),
        "tencent_params": ["inviter", "room"],
    },
    # Urgent notices and other messages that must arrive (the notification spine).
    "notification": {
        "text": "{title}，详情请打开邻里查看。",
        "aliyun": _aliyun_codes.get("notification", ""),
        "tencent": _tencent_ids.get("notification", ""),
        "tencent_params": ["title"],
    },
    # WeChat or QQ login with a number that already has an account: the code links the two.
    "social_link": {
        "text": "您正在用{provider}登录邻里并绑定本手机号的账号，验证码是{code}，{minutes}分钟内有效。"
        "如非本人操作请忽略，切勿将验证码告诉他人。",
        "aliyun": _aliyun_codes.get("social_link", ""),
        "tencent": _tencent_ids.get("social_link", ""),
        "tencent_params": ["provider", "code", "minutes"],
    },
    # A property company invites the number's owner to its staff (staff.services): the link
    # opens the invitation after logging in with this number.
    "staff_invitation": {
        "text": "{company}邀请您加入其物业员工团队。请用本手机号登录后打开 {link} 查看并接受邀请，"
        "{days}天内有效。如非本人操作请忽略。",
        "aliyun": _aliyun_codes.get("staff_invitation", ""),
        "tencent": _tencent_ids.get("staff_invitation", ""),
        "tencent_params": ["company", "link", "days"],
    },
    "staff_invitation_code": {
        "text": "您正在接受{company}的员工邀请，验证码是{code}，{minutes}分钟内有效。"
        "如非本人操作请忽略，切勿将验证码告诉他人。",
        "aliyun": _aliyun_codes.get("staff_invitation_code", ""),
        "tencent": _tencent_ids.get("staff_invitation_code", ""),
        "tencent_params": ["company", "code", "minutes"],
    },
}

# --- Errors and logs ------------------------------------------------------------------------
# Errors go to Sentry when SENTRY_DSN is set (config.observability: no personal data), else by
# mail to DJANGO_ADMINS="运维 <ops@example.cn>,...". Every log line of a request names it
# (request=<X-Request-ID or a new id>, also returned in the response's X-Request-ID) and its
# user (user=<id>).
ADMINS = admins_from(env.str("DJANGO_ADMINS", default=""))
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="local" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
LINLI_RELEASE = env.str("LINLI_RELEASE", default="") or package_release()
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=LINLI_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "EXPOSE_HEADER": False}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "config.observability.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "request=%(request_id)s user=%(user_id)s %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_context"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's errors (a 500, a failed request) reach the console through the root, and
        # the admins by mail unless Sentry has them.
        "django": {"handlers": [] if SENTRY_DSN else ["mail_admins"], "level": "INFO"},
        # One line per request at INFO otherwise.
        "django_guid": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG the Tencent SDK logs request bodies, login codes included.
        "tencentcloud_sdk_common": {"level": "WARNING"},
        # axes logs every login at INFO; lockouts are WARNING and stay visible.
        "axes": {"level": "WARNING"},
    },
}

# --- Outside notification channels: Web Push and WeChat template messages -----------------
# Absolute links in pushes that leave the site (WeChat template messages).
# Absolute links that leave the site: WeChat messages, receipts' QR codes, the payment
# providers' notification and return addresses. Local runs: where `make run` listens.
LINLI_SITE_URL = env.str("LINLI_SITE_URL", default=_local_address).rstrip("/")

# Web Push (notices.channels.webpush): the VAPID key pair, public key as URL-safe base64 of the
# uncompressed P-256 point, private key as URL-safe base64 of the 32-byte secret (or PEM).
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:ops@linli.example")
WEBPUSH_TTL_SECONDS = env.int("WEBPUSH_TTL_SECONDS", default=24 * 3600)
# Only these push services are ever sent to (an endpoint is the browser's choice, so anything
# else would let an account make the worker POST wherever it likes): "scheme://host[:port]",
# "*." for any subdomain. Checked when a browser subscribes and again before each send.
WEBPUSH_ALLOWED_SERVICES = env.list(
    "WEBPUSH_ALLOWED_SERVICES",
    default=[
        "https://fcm.googleapis.com",  # Chrome, Edge, Android
        "https://updates.push.services.mozilla.com",  # Firefox
        "https://*.push.apple.com",  # Safari
        "https://*.notify.windows.com",  # Windows (WNS)
    ],
)
# A person's devices: the oldest subscription makes way for a new one beyond this.
WEBPUSH_MAX_SUBSCRIPTIONS = env.int("WEBPUSH_MAX_SUBSCRIPTIONS", default=5)
# Per request: connecting, then each wait for the answer. One delivery (all of a person's
# devices) stops trying after WEBPUSH_SEND_BUDGET_SECONDS and is retried later.
WEBPUSH_CONNECT_TIMEOUT_SECONDS = env.float("WEBPUSH_CONNECT_TIMEOUT_SECONDS", default=3.0)
WEBPUSH_TIMEOUT_SECONDS = env.float("WEBPUSH_TIMEOUT_SECONDS", default=5.0)
WEBPUSH_SEND_BUDGET_SECONDS = env.float("WEBPUSH_SEND_BUDGET_SECONDS", default=12.0)
if DEBUG and not WEBPUSH_VAPID_PRIVATE_KEY:
    # Local runs: one key pair made on first start and kept in VAR_DIR, so that subscriptions
    # survive restarts. Production takes both keys from the environment.
    import json as _json

    _vapid_file = VAR_DIR / "vapid.json"
    if not _vapid_file.exists():
        from notices.vapid import generate_keys as _generate_vapid_keys

        _vapid_file.write_text(_json.dumps(_generate_vapid_keys()))
        _vapid_file.chmod(0o600)
    _vapid = _json.loads(_vapid_file.read_text())
    WEBPUSH_VAPID_PUBLIC_KEY = _vapid["public_key"]
    WEBPUSH_VAPID_PRIVATE_KEY = _vapid["private_key"]

# WeChat template messages (notices.channels.wechat): the official account of the weixin_mp
# login (same WECHAT_MP_APP_ID/SECRET). WECHAT_API_BASE_URL points kit.wechat at a stand-in.
WECHAT_MP_APP_ID = env.str("WECHAT_MP_APP_ID", default="")
WECHAT_MP_APP_SECRET = env.str("WECHAT_MP_APP_SECRET", default="")
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com/cgi-bin/")
WECHAT_API_TIMEOUT_SECONDS = env.float("WECHAT_API_TIMEOUT_SECONDS", default=10.0)
# Per event: the template id registered with the official account and which of our values
# fills each template keyword ("title", "body", "time", "community"). Events without an entry
# use "notification". Ids come from the environment, e.g.
# WECHAT_TEMPLATE_IDS=notification=AbC...,repair.status_changed=XyZ...
_wechat_template_ids = env.dict("WECHAT_TEMPLATE_IDS", default={})
WECHAT_TEMPLATES = {
    "notification": {
        "template_id": _wechat_template_ids.get("notification", ""),
        "fields": {"thing1": "title", "thing2": "body", "time3": "time"},
    },
}
for _event, _template_id in _wechat_template_ids.items():
    WECHAT_TEMPLATES.setdefault(
        _event, {"template_id": _template_id, "fields": WECHAT_TEMPLATES["notification"]["fields"]}
    )

# --- Online payments (billing.online.providers) -------------------------------------------------
# Each provider is real when its merchant credentials are set; a method without any credentials
# runs in the sandbox (a 沙箱支付 page, notifications signed with keys made locally under
# VAR_DIR/payment-sandbox) where PAYMENT_SANDBOX is on (local runs and tests: never in
# production, the system checks refuse it), and is not offered otherwise. A method with only
# some of its credentials is not offered at all (and `manage.py check` says which are missing).
# Keys and certificates: the text in NAME (PEM, literal \n allowed, or bare base64), or the path
# of a file holding it in NAME_FILE. Text is never taken for a path: a base64 key is not a file
# name, and asking the filesystem whether it is one can fail ("File name too long").


def env_pem(name: str) -> str:
    path = env.str(f"{name}_FILE", default="")
    if not path:
        return env.str(name, default="")
    if env.str(name, default=""):
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    return Path(path).read_text(encoding="utf-8")


PAYMENT_SANDBOX = env.bool("PAYMENT_SANDBOX", default=False)
PAYMENT_METHODS = env.list("PAYMENT_METHODS", default=["wechat", "alipay", "card"])
# The notification address takes posts from anyone: a body bigger than this is refused (413)
# unread (the providers' notifications are a few KB); each client address may post
# PAYMENT_NOTIFY_RATE, and only PAYMENT_NOTIFY_UNVERIFIED_RATE that do not verify (those are
# recorded, shortened; beyond it the address gets 429).
PAYMENT_NOTIFY_MAX_BYTES = env.int("PAYMENT_NOTIFY_MAX_BYTES", default=64 * 1024)
PAYMENT_NOTIFY_RATE = env.str("PAYMENT_NOTIFY_RATE", default="300/m")
PAYMENT_NOTIFY_UNVERIFIED_RATE = env.str("PAYMENT_NOTIFY_UNVERIFIED_RATE", default="20/h")
# The reconciliation task asks the provider about payments pending longer than this...
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=3)
# ...and closes those still unpaid after this long (the checkout stops being valid then).
PAYMENT_EXPIRE_MINUTES = env.int("PAYMENT_EXPIRE_MINUTES", default=30)
PAYMENT_HTTP_TIMEOUT_SECONDS = env.float("PAYMENT_HTTP_TIMEOUT_SECONDS", default=10.0)

# WeChat Pay API v3, public-key mode (nothing downloaded at start). WECHATPAY_APP_ID is the
# official account's app id (JSAPI needs its openid); it defaults to WECHAT_MP_APP_ID.
WECHATPAY_MCH_ID = env.str("WECHATPAY_MCH_ID", default="")
WECHATPAY_APP_ID = env.str("WECHATPAY_APP_ID", default="") or WECHAT_MP_APP_ID
WECHATPAY_PRIVATE_KEY = env_pem("WECHATPAY_PRIVATE_KEY")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PUBLIC_KEY = env_pem("WECHATPAY_PUBLIC_KEY")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_API_BASE_URL = env.str("WECHATPAY_API_BASE_URL", default="https://api.mch.weixin.qq.com")
# H5 payments need the site's name and address as registered with WeChat Pay.
WECHATPAY_H5_APP_NAME = env.str("WECHATPAY_H5_APP_NAME", default="邻里")
WECHATPAY_NOTIFY_WINDOW_SECONDS = env.int("WECHATPAY_NOTIFY_WINDOW_SECONDS", default=300)

# Alipay (python-alipay-sdk, RSA2). ALIPAY_SELLER_ID is the merchant's PID (2088...).
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env_pem("ALIPAY_APP_PRIVATE_KEY")
ALIPAY_PUBLIC_KEY = env_pem("ALIPAY_PUBLIC_KEY")
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")
ALIPAY_GATEWAY_URL = env.str("ALIPAY_GATEWAY_URL", default="https://openapi.alipay.com/gateway.do")

# UnionPay online gateway (银联全渠道 5.1.0). UNIONPAY_SIGN_KEY/UNIONPAY_SIGN_CERT: the
# merchant's signing key and certificate (exported from the .pfx); UNIONPAY_ROOT_CERT and
# UNIONPAY_MIDDLE_CERT: the UnionPay certificates that responses' signing certificates must
# chain to.
UNIONPAY_MER_ID = env.str("UNIONPAY_MER_ID", default="")
UNIONPAY_SIGN_KEY = env_pem("UNIONPAY_SIGN_KEY")
UNIONPAY_SIGN_CERT = env_pem("UNIONPAY_SIGN_CERT")
UNIONPAY_ROOT_CERT = env_pem("UNIONPAY_ROOT_CERT")
UNIONPAY_MIDDLE_CERT = env_pem("UNIONPAY_MIDDLE_CERT")
UNIONPAY_GATEWAY_URL = env.str("UNIONPAY_GATEWAY_URL", default="https://gateway.95516.com")
# The organisation in the UnionPay signing certificate's CN (checked after the chain).
UNIONPAY_CERT_COMPANY = env.str("UNIONPAY_CERT_COMPANY", default="中国银联股份有限公司")


# --- Browser security policy --------------------------------------------------------------
# Content-Security-Policy (django-csp) on every response, in every setting: no template carries
# inline code (tests/test_csp.py), so scripts and styles come from our own static files only.
# A <script> that truly must be inline takes the request's nonce ({{ request.csp_nonce }});
# data for scripts goes in json_script (not executed, always allowed).
def _csp_origin(url: str) -> str:
    """The scheme and host of a URL for a CSP source; a host label with a placeholder (the map's
    {s} subdomains, webrd0{s}.is.autonavi.com) becomes the wildcard label (*.is.autonavi.com)."""
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{scheme}://{'.'.join(labels)}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'"],
        # data: for Bootstrap's inline SVG icons, blob: for the previews of chosen photos.
        "img-src": ["'self'", "data:", "blob:", _csp_origin(MAP_TILE_URL)],
        "media-src": ["'self'", "blob:"],  # the previews of chosen repair videos
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # The bank-card form posts to UnionPay; Alipay and WeChat Pay H5 are redirects after our
        # own form's POST, which browsers hold to form-action too.
        "form-action": [
            "'self'",
            _csp_origin(ALIPAY_GATEWAY_URL),
            _csp_origin(UNIONPAY_GATEWAY_URL),
            "https://wx.tenpay.com",
        ],
    }
}
# Permissions-Policy (django-permissions-policy): the technician's page shares the position;
# the camera scanner (templates/_scanner.html: parcel desk, activity check-in) reads codes from
# the camera on our own pages; photos and videos are chosen through the file input (no
# microphone API), and nothing else is used.
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "camera": ["self"],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "hid": [],
    "midi": [],
    "display-capture": [],
    "autoplay": [],
    "fullscreen": ["self"],  # the repair videos' player
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "ambient-light-sensor": [],
    "screen-wake-lock": [],
    "xr-spatial-tracking": [],
    "publickey-credentials-get": [],
    "browsing-topics": [],
    "interest-cohort": [],
}
