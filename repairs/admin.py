"""Platform operators: each community's fault categories and service levels, time slots, and a
read-only view of orders (status changes happen in the staff portal, through the services)."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from .models import RepairCategory, RepairOrder, RepairRating, TimeSlot


@admin.register(RepairCategory)
class RepairCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name", "community", "icon", "accept_within_minutes", "finish_within_hours",
        "sort_order", "is_active",
    ]  # fmt: skip
    list_editable = ["accept_within_minutes", "finish_within_hours", "sort_order", "is_active"]
    list_filter = ["is_active", "community"]
    list_select_related = ["community"]
    search_fields = ["name", "community__name"]


@admin.register(TimeSlot)
class TimeSlotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "capacity", "is_active"]
    list_filter = ["is_active", "community"]
    list_select_related = ["community"]


@admin.register(RepairOrder)
class RepairOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "community", "category", "place", "status", "technician", "created_at",
        "completed_at",
    ]  # fmt: skip
    list_filter = ["status", "community"]
    list_select_related = ["community", "category", "room__building", "technician__user"]
    search_fields = ["number", "contact_phone"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(RepairRating)
class RepairRatingAdmin(ReadOnlyAdmin):
    list_display = ["order", "speed", "quality", "attitude", "created_at"]
    list_select_related = ["order"]
    show_full_result_count = False
