from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from . import services
from .models import (
    Building,
    Community,
    FamilyInvitation,
    PropertyCompany,
    Residency,
    Room,
    Unit,
    User,
)
from .phone import mask_mobile


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["mobile", "display_name", "email", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "mobile_verified", "groups"]
    search_fields = ["mobile", "display_name", "email"]
    fieldsets = (
        (None, {"fields": ("mobile", "mobile_verified", "password")}),
        (_("Personal information"), {"fields": ("display_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("mobile", "display_name", "password1", "password2"),
            },
        ),
    )


class CommunityInline(admin.TabularInline):
    model = Community
    fields = ["name", "city", "district", "address", "service_phone"]
    extra = 0
    show_change_link = True


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "service_phone", "created_at"]
    search_fields = ["name", "short_name", "credit_code"]
    inlines = [CommunityInline]


@admin.register(Community)
class CommunityAdmin(GuardedModelAdmin):
    """GuardedModelAdmin adds the 'Object permissions' page: per-community grants to a staff
    member on top of what their position gives (see docs/architecture.md, "Permissions")."""

    list_display = ["name", "company", "city", "district", "address", "service_phone"]
    list_filter = ["company", "city"]
    search_fields = ["name", "address", "company__name"]
    list_select_related = ["company"]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "floors", "sort_order"]
    list_filter = ["community__company", "community"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "building", "sort_order"]
    list_filter = ["building__community"]
    search_fields = ["name", "building__name"]
    list_select_related = ["building"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["label", "community_name", "floor", "area", "use"]
    list_filter = ["use", "building__community"]
    search_fields = ["number", "building__name", "building__community__name"]
    list_select_related = ["building__community", "unit"]
    autocomplete_fields = ["building", "unit"]

    @admin.display(description=_("community"), ordering="building__community__name")
    def community_name(self, room: Room) -> str:
        return room.building.community.name

    @admin.display(description=_("room"))
    def label(self, room: Room) -> str:
        return room.label


@admin.register(Residency)
class ResidencyAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "room",
        "relation",
        "status",
        "verified_by",
        "verified_at",
        "created_at",
    ]
    list_filter = ["status", "relation", "room__building__community"]
    search_fields = ["user__mobile", "user__display_name", "room__number"]
    list_select_related = ["user", "room__building", "room__unit", "verified_by"]
    autocomplete_fields = ["user", "room"]
    raw_id_fields = ["head"]
    # The proof photo is private: shown through the guarded view, never as a /media/ link.
    exclude = ["proof"]
    readonly_fields = ["proof_link", "verified_by", "verified_at", "created_at", "ended_at"]
    actions = ["verify_selected"]

    @admin.display(description=_("proof of residence"))
    def proof_link(self, residency: Residency) -> str:
        if not residency.proof:
            return "-"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("accounts:residency_proof", args=[residency.pk]),
            _("View proof"),
        )

    @admin.action(description=_("Verify the selected room bindings"))
    def verify_selected(self, request, queryset) -> None:
        done = 0
        for residency in queryset.filter(status=Residency.Status.PENDING):
            try:
                services.residency_verify(residency=residency, actor=request.user, request=request)
                done += 1
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.WARNING)
        self.message_user(request, _("%(count)d verified.") % {"count": done}, messages.SUCCESS)


@admin.register(FamilyInvitation)
class FamilyInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent and answered by residents in the resident portal."""

    list_display = ["masked_mobile", "head", "invited_by", "status", "created_at", "expires_at"]
    list_filter = ["status", "head__room__building__community"]
    search_fields = ["mobile", "invited_by__display_name", "head__room__number"]
    list_select_related = ["head__user", "head__room__building", "head__room__unit", "invited_by"]
    readonly_fields = [
        "head",
        "mobile",
        "invited_by",
        "status",
        "residency",
        "created_at",
        "expires_at",
        "responded_at",
    ]

    @admin.display(description=_("mobile number"), ordering="mobile")
    def masked_mobile(self, invitation: FamilyInvitation) -> str:
        return mask_mobile(invitation.mobile)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
