"""Operators' admin of the usage rows: written by the platform itself, so read-only."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from .models import UsageDay, UsageSummary


@admin.register(UsageDay)
class UsageDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "community", "repairs", "payments", "notices", "bookings",
                    "activities", "complaints"]  # fmt: skip
    list_filter = ["day", "community"]
    date_hierarchy = "day"
    list_select_related = ["user", "community"]
    show_full_result_count = False


@admin.register(UsageSummary)
class UsageSummaryAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "active_users", "repairs", "payments", "notices",
                    "bookings", "activities", "complaints", "rolled_up_at"]  # fmt: skip
    list_filter = ["community"]
    date_hierarchy = "day"
    list_select_related = ["community"]
