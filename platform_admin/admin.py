from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the product's services: operators look, never edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action_name",
        "target_label",
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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen"]
    readonly_fields = ["name", "last_seen"]

    def has_add_permission(self, request) -> bool:
        return False
