"""The operators' admin of the providers part (imported by services/admin.py): every provider
across companies, with each community's listing (decided by that community's staff, so read
only here), its members and items; the categories; `is_active` takes a provider off the whole
platform."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Provider, ProviderListing, ProviderMember, ServiceCategory, ServiceItem


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "icon", "sort_order", "is_active"]
    list_editable = ["icon", "sort_order", "is_active"]


class ListingInline(admin.TabularInline):
    model = ProviderListing
    fields = [
        "community", "status", "reason", "suspended_for_licence", "suspended_for_agreement",
        "decided_at",
    ]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Status in each community")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MemberInline(admin.TabularInline):
    model = ProviderMember
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
    extra = 0
    can_delete = False


class ItemInline(admin.TabularInline):
    model = ServiceItem
    fields = ["name", "category", "price", "unit", "is_active", "sort_order"]
    extra = 0
    can_delete = False


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = [
        "name", "contact_name", "contact_phone", "licence_expires_on", "rating_count",
        "is_active", "created_at",
    ]  # fmt: skip
    list_editable = ["is_active"]
    list_filter = ["is_active", "categories", "listings__community__company"]
    search_fields = ["name", "licence_number", "contact_phone"]
    filter_horizontal = ["categories"]
    readonly_fields = [
        "licence_warned_on",
        "agreement_hold",
        "rating_count",
        "rating_sum",
        "created_by",
        "created_at",
    ]
    inlines = [ListingInline, MemberInline, ItemInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # providers apply, or a community's staff enter them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # bookings and reviews keep pointing at them: take them off with is_active
