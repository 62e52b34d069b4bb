"""The Celery tasks of platform_admin's parts (Celery autodiscovers this module only)."""

from .backups import tasks as backups_tasks  # noqa: F401
