import json

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask

from kit.admin import ReadOnlyAdmin
from kit.models import AuditEntry, PendingInvalidation, WorkerHeartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action_name",
        "sentence",
        "community",
        "ip_address",
    ]
    list_filter = ["action", "community", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "target_label", "action", "actor__mobile"]
    date_hierarchy = "created_at"
    list_select_related = ["community"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, entry: AuditEntry) -> str:
        return entry.action_label

    @admin.display(description=pgettext_lazy("audit log", "what happened"))
    def sentence(self, entry: AuditEntry) -> str:
        return entry.sentence


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen"]
    readonly_fields = ["name", "last_seen"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PendingInvalidation)
class PendingInvalidationAdmin(ReadOnlyAdmin):
    """Empty but while Redis cannot be reached (kit.cache): what 缓存失效补发 has still to do."""

    list_display = ["scope", "created_at"]
    readonly_fields = ["scope", "created_at"]


# --- 定时任务: django-celery-beat's admin, with its English-only messages in our language ---

# django-celery-beat raises these two from the model, as plain strings outside gettext.
SCHEDULE_ERRORS = {
    "One of clocked, interval, crontab, or solar must be set.": _(
        "Choose a schedule: clocked, interval, crontab or solar."
    ),
    "Only one of clocked, interval, crontab, or solar must be set": _(
        "Choose only one schedule: clocked, interval, crontab or solar."
    ),
}


def _schedule_error_translated(error: ValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                field: [SCHEDULE_ERRORS.get(message, message) for message in messages]
                for field, messages in error.message_dict.items()
            }
        )
    return ValidationError([SCHEDULE_ERRORS.get(message, message) for message in error.messages])


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    def validate_unique(self) -> None:
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            self._update_errors(_schedule_error_translated(error))

    def _clean_json(self, field: str) -> str:
        # The original appends the JSON parser's own (English) explanation.
        value = self.cleaned_data[field]
        try:
            json.loads(value)
        except ValueError as error:
            raise ValidationError(
                _("Not valid JSON (line %(line)s, column %(column)s)."),
                params={"line": getattr(error, "lineno", 1), "column": getattr(error, "colno", 1)},
            ) from None
        return value


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm
