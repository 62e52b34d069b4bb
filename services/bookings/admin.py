"""The operators' admin of the bookings part (imported by services/admin.py): bookings and
slots are read-only there; they change only through the booking services."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from ..models import Booking, BookingSlot


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["number", "community", "provider", "item", "slot", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["community", "provider", "item", "slot__provider"]
    search_fields = ["number", "contact_phone"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(BookingSlot)
class BookingSlotAdmin(ReadOnlyAdmin):
    list_display = ["provider", "date", "start", "end", "capacity", "booked"]
    list_select_related = ["provider"]
    date_hierarchy = "date"
    show_full_result_count = False
