"""The settings of the web servers tests/test_two_servers.py starts: the local settings (with
DEBUG off; production's refuse the payment sandbox the test pays through), and static files by
their plain names, as the test runs without `collectstatic` (the manifest storage would refuse
every page)."""

from django.conf import global_settings

from config.settings.local import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# The test's users are made by the test process, whose settings hash passwords with MD5 (fast).
PASSWORD_HASHERS = [
    *global_settings.PASSWORD_HASHERS,
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
