"""The operators' admin of the parcels part (imported by services/admin.py): a read-only view
of the desk's log; parcels change only at the desk, through the services."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from ..models import Parcel


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = [
        "pickup_code", "community", "room", "carrier", "tracking_number", "shelf", "status",
        "logged_at", "picked_up_at",
    ]  # fmt: skip
    list_filter = ["status", "community"]
    list_select_related = ["community", "room__building", "room__unit"]
    search_fields = ["pickup_code", "tracking_number", "recipient_mobile"]
    date_hierarchy = "logged_at"
    show_full_result_count = False
