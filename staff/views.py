from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Community
from kit.forms import posted_data
from kit.models import AuditEntry
from kit.pagecache import cache_page_per_visitor

from . import search, selectors, services, workday
from .access import (
    community_duties,
    positions_grantable,
    safe_next,
    staff_has_perm,
    staff_required,
    works_from_phone,
)
from .forms import StaffMemberAddForm, StaffMemberChangeForm
from .menu import page_after_switch
from .middleware import work_on
from .models import StaffInvitation, StaffMember
from .scoping import get_scoped_or_404
from .tables import StaffTable, paginate


@staff_required()
@cache_page_per_visitor
def home(request: HttpRequest) -> HttpResponse:
    if works_from_phone(request):
        return redirect("repairs_tech:list")
    # The day's work in this community, by module (one query per module), and for whoever
    # serves several communities, all of them at a glance.
    now = timezone.now()
    overview = workday.overview(request, now) if len(request.staff_communities) > 1 else None
    recent = (
        AuditEntry.objects.filter(community=request.community).select_related("actor")[:8]
        if staff_has_perm(request, "kit.view_auditentry")
        else []
    )
    return render(
        request,
        "staff/home.html",
        {
            "groups": workday.workday(request, now, overview["values"] if overview else None),
            "overview": overview,
            "recent": recent,
        },
    )


@require_GET
@staff_required()
def global_search(request: HttpRequest) -> HttpResponse:
    """The top bar's search: rooms, residents, orders, bills, payments and receipts of the
    current community, by kind; a number matching exactly one thing opens it."""
    # `find`, not `q`: every list page has its own filter box named q on the same page.
    text = request.GET.get("find", "").strip()
    groups = search.search(request, text)
    exact = search.only_exact_hit(groups)
    if exact is not None:
        return redirect(exact.url)
    return render(
        request,
        "staff/search.html",
        {
            "groups": groups,
            "search_query": text,
            "too_short": 0 < len("".join(text.split())) < search.MIN_LENGTH,
        },
    )


@require_POST
@staff_required()
def switch_community(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("community_id", "")
    chosen = next((c for c in request.staff_communities if str(c.pk) == wanted), None)
    if chosen is None:
        messages.error(request, _("You do not serve that community."))
    else:
        work_on(request, chosen)
        messages.success(request, _("You are now working on %(name)s.") % {"name": chosen.name})
    # Back to the page they were on; an object page of the previous community would be a 404
    # now, so from there to its list (or the home page).
    return redirect(page_after_switch(request, safe_next(request, "staff:home")))


@staff_required("staff.view_staffmember")
def team(request: HttpRequest) -> HttpResponse:
    table = StaffTable(selectors.staff_of_community_with_communities(request.community))
    paginate(request, table)
    can_add = staff_has_perm(request, "staff.add_staffmember")
    return render(
        request,
        "staff/team.html",
        {
            "table": table,
            "can_add": can_add,
            "can_change": staff_has_perm(request, "staff.change_staffmember"),
            "invitations": selectors.pending_invitations(request.community) if can_add else [],
            "position_duties": selectors.positions_with_duties(),
        },
    )


def _add_choices(request: HttpRequest) -> dict:
    """What a manager may hand out: positions within their own permissions here, for the
    communities where they manage the staff (checked again per community on saving)."""
    positions = positions_grantable(community_duties(request))
    managed = services.managed_communities(request.user, "staff.add_staffmember")
    return {
        "positions": Group.objects.filter(pk__in=[p.pk for p in positions]).order_by("name"),
        "communities": Community.objects.filter(pk__in=[d.community.pk for d in managed]).order_by(
            "name"
        ),
    }


@staff_required("staff.add_staffmember")
def staff_add(request: HttpRequest) -> HttpResponse:
    """Invite someone by mobile number: the same answer whoever owns it."""
    form = StaffMemberAddForm(
        posted_data(request),
        initial={"communities": [request.community]},
        **_add_choices(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.staff_invitation_send(
                actor=request.user,
                community=request.community,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(mobile)s; they join once they accept it with an SMS code.")
                % {"mobile": invitation.masked_mobile},
            )
            return redirect("staff:team")
    return render(
        request, "staff/team_add.html", {"form": form}, status=400 if form.errors else 200
    )


def _answer_invitation(request: HttpRequest, staff_invitation_id: int, service, done: str):
    invitation = get_scoped_or_404(request, StaffInvitation.objects.all(), staff_invitation_id)
    try:
        service(
            invitation=invitation, actor=request.user, community=request.community, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done % {"mobile": invitation.masked_mobile})
    return redirect("staff:team")


@require_POST
@staff_required("staff.add_staffmember")
def invitation_resend(request: HttpRequest, staff_invitation_id: int) -> HttpResponse:
    return _answer_invitation(
        request,
        staff_invitation_id,
        services.staff_invitation_resend,
        _("The invitation was sent to %(mobile)s again, with a new link."),
    )


@require_POST
@staff_required("staff.add_staffmember")
def invitation_withdraw(request: HttpRequest, staff_invitation_id: int) -> HttpResponse:
    return _answer_invitation(
        request,
        staff_invitation_id,
        services.staff_invitation_withdraw,
        _("The invitation to %(mobile)s was withdrawn; its link no longer works."),
    )


@staff_required("staff.change_staffmember")
def staff_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_scoped_or_404(
        request, StaffMember.objects.select_related("user", "company"), member_id
    )
    scope = services.staff_member_scope(member, request.user)
    form = StaffMemberChangeForm(
        posted_data(request),
        initial={
            "employee_number": member.employee_number,
            **{
                f"position_{c.pk}": scope.held[c.pk].position
                for c, _positions in scope.editable
                if c.pk in scope.held
            },
        },
        editable=[] if scope.refusal else scope.editable,
    )
    if request.method == "POST" and not scope.refusal and form.is_valid():
        try:
            services.staff_member_change(
                member=member,
                actor=request.user,
                positions=form.cleaned_data["positions"],
                employee_number=form.cleaned_data["employee_number"],
                community=request.community,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The changes to %(name)s were saved.") % {"name": member.user}
            )
            return redirect("staff:team")
    return render(
        request,
        "staff/team_edit.html",
        {
            "member": member,
            "form": form,
            "refusal": scope.refusal,
            "untouchable": scope.untouchable,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required("staff.change_staffmember")
def staff_deactivate(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_scoped_or_404(request, StaffMember.objects.select_related("user"), member_id)
    try:
        services.staff_member_deactivate(
            member=member, actor=request.user, community=request.community, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("staff:staff_edit", member_id=member.pk)
    messages.success(
        request,
        _("%(name)s was deactivated and logged out everywhere.") % {"name": member.user},
    )
    return redirect("staff:team")


@require_POST
@staff_required("staff.change_staffmember")
def staff_reactivate(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_scoped_or_404(request, StaffMember.objects.select_related("user"), member_id)
    try:
        services.staff_member_reactivate(
            member=member, actor=request.user, community=request.community, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("staff:staff_edit", member_id=member.pk)
    messages.success(request, _("%(name)s can use the workbench again.") % {"name": member.user})
    return redirect("staff:team")
