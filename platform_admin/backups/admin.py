"""Backup runs and community exports in the admin: records the platform writes, read only
(the operators' page, admin:platform_backups, is where backups are started and read)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import BackupRun, CommunityExport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "started_at", "size", "verification", "page")
    list_filter = ("status", "kind", "verification")
    date_hierarchy = "created_at"

    @admin.display(description=_("Details"))
    def page(self, run: BackupRun) -> str:
        url = reverse("admin:platform_backups_detail", args=[run.pk])
        return format_html('<a href="{}">{}</a>', url, _("Manifest and verification"))


@admin.register(CommunityExport)
class CommunityExportAdmin(ReadOnlyAdmin):
    list_display = ("id", "community", "status", "created_at", "size")
    list_filter = ("status",)
    list_select_related = ("community",)
    exclude = ("counts",)
