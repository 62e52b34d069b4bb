"""Celery autodiscovers this module only: each part's tasks are imported here."""

from .usage import tasks as usage_tasks  # noqa: F401
