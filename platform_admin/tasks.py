"""Celery autodiscovers platform_admin.tasks only: each part's tasks are imported here."""

from .backups import tasks as backups_tasks  # noqa: F401
from .business import tasks as business_tasks  # noqa: F401
from .partners.tasks import agreement_expiry_task  # noqa: F401
from .reports.tasks import generate_report, monthly_reports_task  # noqa: F401
from .usage import tasks as usage_tasks  # noqa: F401
