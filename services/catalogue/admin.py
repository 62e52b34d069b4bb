"""The operators' admin of the catalogue part (imported by services/admin.py): reviews are
written by residents and hidden by staff through the services, so operators only look."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from ..models import ServiceReview


@admin.register(ServiceReview)
class ServiceReviewAdmin(ReadOnlyAdmin):
    list_display = ("booking", "provider", "community", "rating", "is_hidden", "created_at")
    list_filter = ("is_hidden", "rating")
    search_fields = ("booking__number", "provider__name", "text")
    list_select_related = ("booking", "provider", "community")
    date_hierarchy = "created_at"
