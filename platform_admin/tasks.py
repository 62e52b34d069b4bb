"""Celery autodiscovers platform_admin.tasks only: each part's tasks are imported here."""

from .partners.tasks import agreement_expiry_task  # noqa: F401
