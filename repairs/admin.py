"""Platform operators: each community's fault categories and service levels, time slots, and a
read-only view of orders (status changes happen in the staff portal, through the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kit.admin import ReadOnlyAdmin

from .forms.staff import SlotForm
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


class TimeSlotAdminForm(SlotForm):
    """The staff portal's checks (capacity, overlaps) with the community chosen here."""

    class Meta(SlotForm.Meta):
        fields = ["community", "start", "end", "capacity", "is_active"]


@admin.register(TimeSlot)
class TimeSlotAdmin(admin.ModelAdmin):
    form = TimeSlotAdminForm
    list_display = ["__str__", "community", "capacity", "is_active"]
    list_filter = ["is_active", "community"]
    list_select_related = ["community"]


@admin.register(RepairOrder)
class RepairOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "community", "category", "location", "status", "technician", "created_at",
        "completed_at",
    ]  # fmt: skip
    list_filter = ["status", "community"]
    list_select_related = ["community", "category", "room__building", "technician__user"]
    search_fields = ["number", "contact_phone"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("place"))
    def location(self, order: RepairOrder) -> str:
        return order.place


@admin.register(RepairRating)
class RepairRatingAdmin(ReadOnlyAdmin):
    list_display = ["order", "speed", "quality", "attitude", "created_at"]
    list_select_related = ["order"]
    show_full_result_count = False
