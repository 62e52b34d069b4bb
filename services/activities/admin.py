"""The operators' admin of the activities part (imported by services/admin.py): a read-only
view of activities and sign-ups (places are counted by the services, never edited here)."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from ..models import Activity, ActivitySignup


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "status", "starts_at", "places_taken", "capacity"]
    list_filter = ["status", "community"]
    list_select_related = ["community"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    show_full_result_count = False


@admin.register(ActivitySignup)
class ActivitySignupAdmin(ReadOnlyAdmin):
    list_display = ["activity", "household", "status", "people", "created_at"]
    list_filter = ["status"]
    list_select_related = ["activity", "household__user", "household__room__building"]
    raw_id_fields = ["activity", "household", "user"]
    show_full_result_count = False
