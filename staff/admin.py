from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kit.audit import log_action

from . import services
from .models import Position, StaffAssignment, StaffInvitation, StaffMember


class StaffAssignmentInline(admin.TabularInline):
    """The position the member holds in each community they serve."""

    model = StaffAssignment
    extra = 0
    min_num = 1
    autocomplete_fields = ["community"]
    fields = ["community", "position"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "company",
        "positions_held",
        "employee_number",
        "is_active",
        "joined_at",
    ]
    list_filter = ["company", "assignments__position", "is_active", "communities"]
    search_fields = ["user__mobile", "user__display_name", "employee_number"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user"]
    inlines = [StaffAssignmentInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("assignments__community", "assignments__position")
        )

    @admin.display(description=_("positions in communities"))
    def positions_held(self, member: StaffMember) -> str:
        return "、".join(f"{a.community}（{a.position.name}）" for a in member.assignments.all())

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and "is_active" in form.changed_data and not form.instance.is_active:
            services.end_sessions(form.instance.user)
        log_action(
            actor=request.user,
            action="staff.member_changed" if change else "staff.member_created",
            target=form.instance,
            data={
                "changed": form.changed_data,
                "positions": {
                    a.community.name: a.position.name
                    for a in form.instance.assignments.select_related("community", "position")
                },
            },
            request=request,
        )


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """Read-only: managers send and withdraw invitations in the staff portal, invitees answer
    them; operators add staff directly above."""

    list_display = ["mobile_masked", "company", "position", "invited_by", "status", "expires_at"]
    list_filter = ["status", "company"]
    search_fields = ["mobile"]
    list_select_related = ["company", "position", "invited_by"]
    exclude = ["token_hash"]

    @admin.display(description=_("mobile number"), ordering="mobile")
    def mobile_masked(self, invitation: StaffInvitation) -> str:
        return invitation.masked_mobile

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Group)


@admin.register(Position)
class PositionAdmin(GroupAdmin):
    """Positions (Django groups) are the permission templates of the staff portal."""

    list_display = ["name", "member_count"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("staff_assignments__member", distinct=True))
        )

    @admin.display(description=_("staff members"), ordering="member_total")
    def member_count(self, position: Position) -> int:
        return position.member_total

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        log_action(
            actor=request.user,
            action="staff.position_changed",
            target=form.instance,
            data={"permissions": sorted(p.codename for p in form.instance.permissions.all())},
            request=request,
        )
