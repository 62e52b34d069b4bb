from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_group_perms, get_user_perms

from accounts.admin import CommunityAdmin
from accounts.models import Community
from kit.audit import log_action

from . import duties, services
from .models import Position, PositionTemplate, StaffAssignment, StaffInvitation, StaffMember


class StaffAssignmentInline(admin.TabularInline):
    """The position the member holds in each community they serve."""

    model = StaffAssignment
    extra = 0
    min_num = 1
    autocomplete_fields = ["community"]
    fields = ["community", "position"]


class StaffMemberForm(forms.ModelForm):
    """A duplicate employee number within the company is refused at the field, in Chinese."""

    class Meta:
        model = StaffMember
        fields = ["user", "company", "employee_number", "is_active", "joined_at"]

    def clean(self):
        cleaned = super().clean()
        company, number = cleaned.get("company"), (cleaned.get("employee_number") or "").strip()
        if company is not None and number:
            taken = StaffMember.objects.filter(company=company, employee_number=number)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "employee_number",
                    _(
                        "Employee number %(number)s is already used by another staff member of %(company)s."
                    )
                    % {"number": number, "company": company},
                )
        return cleaned


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    form = StaffMemberForm
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

    def save_model(self, request, obj, form, change) -> None:
        # the positions held per community before the inline saves them, for the log.
        request._positions_before = _positions_held(obj) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and "is_active" in form.changed_data and not form.instance.is_active:
            services.end_sessions(form.instance.user)
        before = getattr(request, "_positions_before", {})
        after = _positions_held(form.instance)
        data = {"changed": form.changed_data, "positions": after, "positions_before": before}
        if not change:
            data["position"] = "、".join(sorted(set(after.values())))
        log_action(
            actor=request.user,
            action="staff.member_changed" if change else "staff.member_created",
            target=form.instance,
            data=data,
            request=request,
        )


def _positions_held(member: StaffMember) -> dict[str, str]:
    if member.pk is None:
        return {}
    return {
        a.community.name: a.position.name
        for a in member.assignments.select_related("community", "position")
    }


# --- per-community grants (django-guardian's object permissions) are audited -----------------


def _permission_labels(codenames) -> list[str]:
    names = dict(Community._meta.permissions)
    return [gettext(names[c]) if c in names else c for c in sorted(codenames)]


admin.site.unregister(Community)


@admin.register(Community)
class AuditedCommunityAdmin(CommunityAdmin):
    """The community admin, whose 'Object permissions' pages (what one person or group may do
    in this community only) leave an entry in the community's audit log: who changed whose
    grants, when, and what was granted and revoked."""

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        return self._audited(
            request, object_pk, user_id, get_user_model(), get_user_perms, "user",
            lambda: super(AuditedCommunityAdmin, self).obj_perms_manage_user_view(
                request, object_pk, user_id
            ),
        )  # fmt: skip

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        return self._audited(
            request, object_pk, group_id, Group, get_group_perms, "group",
            lambda: super(AuditedCommunityAdmin, self).obj_perms_manage_group_view(
                request, object_pk, group_id
            ),
        )  # fmt: skip

    def _audited(self, request, object_pk, grantee_id, grantee_model, perms_of, kind, view):
        if request.method != "POST":
            return view()
        community = Community.objects.filter(pk=object_pk).first()
        grantee = grantee_model.objects.filter(pk=grantee_id).first()
        if community is None or grantee is None:
            return view()
        before = set(perms_of(grantee, community).values_list("codename", flat=True))
        response = view()
        after = set(perms_of(grantee, community).values_list("codename", flat=True))
        if before != after:
            log_action(
                actor=request.user,
                action="staff.community_grants_changed",
                target=community,
                community=community,
                data={
                    "grantee": str(grantee),
                    "grantee_kind": kind,
                    "before": sorted(before),
                    "after": sorted(after),
                    "added_labels": _permission_labels(after - before),
                    "removed_labels": _permission_labels(before - after),
                },
                request=request,
            )
        return response


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


class DutiesField(forms.MultipleChoiceField):
    """The duties in Chinese, grouped by module (staff.duties), as ticks."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "duty-list"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Duties"))
        kwargs.setdefault("required", False)
        super().__init__(choices=duties.grouped_choices, **kwargs)


class OtherPermissionsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Permission) -> str:
        return duties.permission_label(obj)


def _held(position: Group | None) -> list[Permission]:
    if position is None or position.pk is None:
        return []
    return list(position.permissions.select_related("content_type"))


class PositionForm(forms.ModelForm):
    """The 岗位 editor: duties in the words of a property company instead of the hundreds of
    raw permissions Django's group form lists. What the position holds outside every duty is
    shown under 其他权限, ticked, and kept unless unticked."""

    template = forms.ModelChoiceField(
        label=_("Start from a position template"),
        queryset=PositionTemplate.objects.all(),
        required=False,
        help_text=_("The template's duties are given in addition to those ticked below."),
    )
    duties = DutiesField(
        help_text=_(
            "A staff member holds these duties in each community where they hold the position."
        )
    )
    other_permissions = OtherPermissionsField(
        label=_("Other permissions"),
        queryset=Permission.objects.none(),
        required=False,
        help_text=_("Held by this position but part of no duty; untick to take away."),
    )

    class Meta:
        model = Position
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes, others = duties.split(_held(self.instance))
        self.fields["other_permissions"].queryset = Permission.objects.filter(
            pk__in=[p.pk for p in others]
        ).select_related("content_type")
        if not self.is_bound:
            self.initial["duties"] = codes
            self.initial["other_permissions"] = [p.pk for p in others]

    def chosen_duties(self) -> list[str]:
        codes = list(self.cleaned_data.get("duties") or [])
        template = self.cleaned_data.get("template")
        if template is not None:
            codes += [code for code in template.duties if code not in codes]
        return codes


@admin.register(Position)
class PositionAdmin(GroupAdmin):
    """Positions (Django groups) are the permission templates of the staff portal, edited as
    duties (staff.duties)."""

    form = PositionForm
    filter_horizontal = ()

    class Media:
        css = {"all": ["platform/operator.css"]}

    fieldsets = None
    fields = ["name", "template", "duties", "other_permissions"]
    list_display = ["name", "member_count", "duty_list"]

    def get_fields(self, request, obj=None):
        # 其他权限 only where the position holds something outside every duty.
        _codes, others = duties.split(_held(obj))
        return [name for name in self.fields if name != "other_permissions" or others]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("staff_assignments__member", distinct=True))
            .prefetch_related(
                Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
            )
        )

    @admin.display(description=_("staff members"), ordering="member_total")
    def member_count(self, position: Position) -> int:
        return position.member_total

    @admin.display(description=_("duties"))
    def duty_list(self, position: Position) -> str:
        names = {duties.permission_name(p) for p in position.permissions.all()}
        return "、".join(str(d.label) for d in duties.duties_held(names)) or "—"

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.position_set_duties(
            position=form.instance,
            duty_codes=form.chosen_duties(),
            kept_permissions=form.cleaned_data.get("other_permissions") or [],
            actor=request.user,
            request=request,
        )


class PositionTemplateForm(forms.ModelForm):
    duties = DutiesField()

    class Meta:
        model = PositionTemplate
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["duties"] = list(self.instance.duties)


@admin.register(PositionTemplate)
class PositionTemplateAdmin(admin.ModelAdmin):
    """Named sets of duties (客服, 维修主管 …) a new position starts from."""

    form = PositionTemplateForm

    class Media:
        css = {"all": ["platform/operator.css"]}

    fields = ["name", "description", "duties"]
    list_display = ["name", "description", "duty_list", "updated_at"]
    search_fields = ["name"]

    @admin.display(description=_("duties"))
    def duty_list(self, template: PositionTemplate) -> str:
        known = {d.code: d for d in duties.all_duties()}
        return "、".join(str(known[c].label) for c in template.duties if c in known) or "—"

    def save_model(self, request, obj, form, change) -> None:
        services.position_template_save(
            template=obj,
            duty_codes=form.cleaned_data.get("duties") or [],
            actor=request.user,
            request=request,
        )
