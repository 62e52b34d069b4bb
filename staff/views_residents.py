"""The staff portal's pages about residents and rooms (住户管理, 房屋) and their Excel import
and export: the customer's 物业端 用户管理 module. The rules they apply are accounts' services
and selectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.models import Residency, Room, User
from kit import spreadsheets
from kit.forms import posted_data as _posted
from kit.pagecache import cache_page_per_visitor

from . import resources
from .access import safe_next, staff_has_perm, staff_required
from .filters import ResidencyFilter, RoomFilter
from .forms import (
    RejectResidencyForm,
    ResidencyEndForm,
    ResidentContactsForm,
    RoomForm,
    SheetUploadForm,
)
from .rooms import KEEP, move_out, room_debts, room_panels, summary_figures
from .scoping import get_scoped_or_404
from .tables import ResidencyTable, RoomTable, paginate


def _residency_filter(request: HttpRequest) -> ResidencyFilter:
    community = request.community
    return ResidencyFilter(
        request.GET or None,
        queryset=selectors.residencies_for_community(community),
        community=community,
    )


def _xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    return spreadsheets.file_response(content, file_name=file_name)


@staff_required("accounts.view_residency")
@cache_page_per_visitor
def residents(request: HttpRequest) -> HttpResponse:
    filterset = _residency_filter(request)
    table = ResidencyTable(filterset.qs)
    paginate(request, table, ids_first=True)
    query = request.GET.copy()
    for key in ("page", "sort"):
        query.pop(key, None)
    export_url = reverse("staff_residents:residents_export")
    can_verify = staff_has_perm(request, "accounts.verify_residency")
    return render(
        request,
        "staff/accounts/residents.html",
        {
            "filter": filterset,
            "table": table,
            "can_verify": can_verify,
            # Batch verification, while looking at pending bindings: every one the filters
            # match, not only this page.
            "pending_matching": _pending_matching(filterset).count()
            if can_verify and request.GET.get("status") == Residency.Status.PENDING
            else 0,
            "filter_params": [(k, v) for k, values in query.lists() for v in values],
            "can_import": staff_has_perm(request, "accounts.add_residency"),
            "export_url": f"{export_url}?{query.urlencode()}" if query else export_url,
        },
    )


@staff_required("accounts.view_residency")
def residents_export(request: HttpRequest) -> HttpResponse:
    """The residents list as filtered on the page, as an Excel sheet (audited: it carries
    personal data out of the system)."""
    filterset = _residency_filter(request)
    content, count = resources.export_residents(
        filterset.qs,
        community=request.community,
        actor=request.user,
        filters={key: value for key, value in request.GET.items() if value},
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(content, f"{_('Residents')}-{request.community.name}-{stamp}.xlsx")


@staff_required("accounts.view_residency")
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    community = request.community
    person = get_scoped_or_404(request, User.objects.all(), resident_id)
    residencies = selectors.residencies_of_user_in_community(person, community)
    verified = [r for r in residencies if r.status == Residency.Status.VERIFIED]
    households = selectors.households_for_rooms([r.room_id for r in verified])
    audit_entries = selectors.audit_entries_for_resident(
        person, [r.pk for r in residencies], community
    )
    return render(
        request,
        "staff/accounts/resident_detail.html",
        {
            "person": person,
            "homes": [(residency, households[residency.room_id]) for residency in verified],
            "history": residencies,
            "audit_entries": audit_entries[:30],
            "can_verify": staff_has_perm(request, "accounts.verify_residency"),
            # The same rules as resident_contacts: someone living here (or waiting) now,
            # whose account is not an operator's or another company's staff member's.
            "can_edit": staff_has_perm(request, "accounts.change_user")
            and any(r.is_active for r in residencies)
            and not selectors.accounts_beyond_staff_reach([person.pk], community),
            "can_end": staff_has_perm(request, "accounts.change_residency"),
        },
    )


@staff_required("accounts.change_user")
def resident_contacts(request: HttpRequest, resident_id: int) -> HttpResponse:
    # Only people who live here now (or are waiting for verification) can be changed; the
    # history of someone who moved out stays readable on their page, but is a 404 here, as
    # anything outside the community is.
    person = get_scoped_or_404(
        request, selectors.residents_changeable_in_community(request.community), resident_id
    )
    if selectors.accounts_beyond_staff_reach([person.pk], request.community):
        messages.error(request, _("This account's details cannot be changed in the staff portal."))
        return redirect("staff_residents:resident_detail", resident_id=person.pk)
    form = ResidentContactsForm(_posted(request), person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_contacts_update(
                user=person,
                actor=request.user,
                community=request.community,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contact details were saved."))
            return redirect("staff_residents:resident_detail", resident_id=person.pk)
    return render(
        request,
        "staff/accounts/resident_contacts.html",
        {"person": person, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required("accounts.change_residency")
def residency_end(request: HttpRequest, residency_id: int) -> HttpResponse:
    """Move-out. GET asks for confirmation, shows who leaves with the head of household and
    what the room still owes, and asks what becomes of those bills; POST ends the residency
    (and the family's) through staff.rooms.move_out, or sends staff to the counter first."""
    residency = get_scoped_or_404(
        request,
        Residency.objects.select_related("user", "room__building", "room__unit"),
        residency_id,
    )
    detail_url = reverse(
        "staff_residents:resident_detail", kwargs={"resident_id": residency.user_id}
    )
    family, debts = [], None
    if residency.relation != Residency.Relation.FAMILY:
        family = list(
            residency.family_members.filter(status=Residency.Status.VERIFIED).select_related("user")
        )
        if residency.status == Residency.Status.VERIFIED:
            debts = room_debts(request, residency.room)
    form = ResidencyEndForm(_posted(request), debts=debts)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data.get("bills", "")
        if choice == ResidencyEndForm.COUNTER:
            messages.info(
                request,
                _("Settle the room's bills here first, then come back to complete the move-out."),
            )
            return redirect(debts.counter_url)
        try:
            move_out(
                residency=residency,
                actor=request.user,
                request=request,
                reason=form.cleaned_data["reason"],
                bills=choice or KEEP,
                waive_reason=form.cleaned_data.get("waive_reason", ""),
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _moved_out_message(residency, family, debts, choice))
        return redirect(safe_next(request, detail_url))
    return render(
        request,
        "staff/accounts/residency_end.html",
        {
            "residency": residency,
            "family": family,
            "debts": debts,
            "form": form,
            "next": safe_next(request, detail_url),
        },
        status=400 if form.errors else 200,
    )


def _moved_out_message(residency: Residency, family: list, debts, choice: str) -> str:
    message = _("%(name)s has moved out of %(room)s.") % {
        "name": residency.user,
        "room": residency.room.label,
    }
    if family:
        message += " " + ngettext(
            "%(count)d family member moved out with them.",
            "%(count)d family members moved out with them.",
            len(family),
        ) % {"count": len(family)}
    if debts is not None and choice == ResidencyEndForm.WAIVE:
        message += " " + _("The room's unpaid bills were waived.")
    elif debts is not None:
        message += " " + _("The room's unpaid bills stay with the room.")
    return message


MAX_BATCH_VERIFY = 500


def _pending_matching(filterset: ResidencyFilter):
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return qs.filter(status=Residency.Status.PENDING)


@require_POST
@staff_required("accounts.verify_residency")
def residencies_verify_matching(request: HttpRequest) -> HttpResponse:
    """Verify every pending binding the residents list's filters match (at most 500 at once);
    bindings the staff member may not review (their own household's) are skipped."""
    filterset = ResidencyFilter(
        request.POST,
        queryset=selectors.residencies_for_community(request.community),
        community=request.community,
    )
    pending = list(_pending_matching(filterset).order_by("pk")[:MAX_BATCH_VERIFY])
    verified = 0
    for residency in pending:
        try:
            services.residency_verify(residency=residency, actor=request.user, request=request)
        except ValidationError:
            continue
        verified += 1
    messages.success(
        request,
        _("Room bindings verified: %(verified)s of %(count)s.")
        % {"verified": verified, "count": len(pending)},
    )
    return redirect("staff_residents:residents")


@require_POST
@staff_required("accounts.verify_residency")
def residency_verify(request: HttpRequest, residency_id: int) -> HttpResponse:
    residency = get_scoped_or_404(request, Residency.objects.all(), residency_id)
    try:
        services.residency_verify(residency=residency, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(name)s is now verified for %(room)s.")
            % {"name": residency.user, "room": residency.room.label},
        )
    return redirect(safe_next(request, "staff_residents:residents"))


@require_POST
@staff_required("accounts.verify_residency")
def residency_reject(request: HttpRequest, residency_id: int) -> HttpResponse:
    residency = get_scoped_or_404(
        request, Residency.objects.select_related("user", "room__building"), residency_id
    )
    form = RejectResidencyForm(request.POST)
    if form.is_valid():
        try:
            services.residency_reject(
                residency=residency,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The request was rejected and the reason recorded."))
            return redirect(safe_next(request, "staff_residents:residents"))
    # Show the form again with what was typed and why it was refused.
    return render(
        request,
        "staff/accounts/residency_reject.html",
        {
            "residency": residency,
            "form": form,
            "next": safe_next(request, "staff_residents:residents"),
        },
        status=400 if form.errors else 200,
    )


@staff_required("accounts.view_room")
@cache_page_per_visitor
def rooms(request: HttpRequest) -> HttpResponse:
    community = request.community
    filterset = RoomFilter(
        request.GET or None, queryset=selectors.rooms_for_community(community), community=community
    )
    table = RoomTable(filterset.qs, order_by=request.GET.get("sort") or "label")
    paginate(request, table)
    return render(
        request,
        "staff/accounts/rooms.html",
        {
            "filter": filterset,
            "table": table,
            "can_import": staff_has_perm(request, "accounts.add_room"),
            "can_add": staff_has_perm(request, "accounts.add_room"),
        },
    )


@staff_required("accounts.view_room")
def room_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    """一户一档: the room and everything about it, each module's part (bills, repairs,
    complaints, bookings, parcels, meters) shown to staff who may see that module, with a
    summary strip on top and the room's history below. A fixed number of queries."""
    room = get_scoped_or_404(request, selectors.rooms_with_history(), room_id)
    residencies = list(room.residencies.all())
    household = sorted(
        (r for r in residencies if r.status == Residency.Status.VERIFIED),
        key=lambda r: (_RELATION_RANK.get(r.relation, 9), r.created_at),
    )
    panels = room_panels(request, room)
    owners = [r.user for r in household if r.relation == Residency.Relation.OWNER]
    return render(
        request,
        "staff/accounts/room_detail.html",
        {
            "room": room,
            "household": household,
            "owners": owners,
            "history": residencies,
            "past": [r for r in residencies if r.status == Residency.Status.ENDED],
            "audit_entries": selectors.audit_entries_for_room(room, [r.pk for r in residencies])[
                :30
            ],
            "can_verify": staff_has_perm(request, "accounts.verify_residency"),
            "can_edit": staff_has_perm(request, "accounts.change_room"),
            "can_end": staff_has_perm(request, "accounts.change_residency"),
            # What other modules show about the room (bills, repairs…), see staff/rooms.py.
            "room_panels": panels,
            "summary": summary_figures(panels),
        },
    )


_RELATION_RANK = {Residency.Relation.OWNER: 0, Residency.Relation.TENANT: 1}


@staff_required("accounts.add_room")
def room_new(request: HttpRequest) -> HttpResponse:
    return _room_form(request, None)


@staff_required("accounts.change_room")
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = get_scoped_or_404(request, Room.objects.select_related("building", "unit"), room_id)
    return _room_form(request, room)


def _room_form(request: HttpRequest, room: Room | None) -> HttpResponse:
    """A single room added or changed on a form (the same checks as the import: the number
    once per building and unit, the area above zero), audited with what changed."""
    form = RoomForm(_posted(request), instance=room, community=request.community)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.room_save(
                room=room,
                community=request.community,
                actor=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                (_("Room %(room)s was added.") if room is None else _("Room %(room)s was saved."))
                % {"room": saved.label},
            )
            return redirect("staff_residents:room_detail", room_id=saved.pk)
    return render(
        request,
        "staff/accounts/room_form.html",
        {"form": form, "room": room},
        status=400 if form.errors else 200,
    )


# --- Excel import ------------------------------------------------------------------------------


@staff_required("accounts.add_residency")
def import_hub(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff/accounts/import_hub.html",
        {"can_import_rooms": staff_has_perm(request, "accounts.add_room")},
    )


@staff_required("accounts.add_room")
def import_rooms(request: HttpRequest) -> HttpResponse:
    return _import(request, resources.ROOMS, done_url="staff_residents:rooms")


@staff_required("accounts.add_residency")
def import_residents(request: HttpRequest) -> HttpResponse:
    return _import(request, resources.RESIDENTS, done_url="staff_residents:residents")


@staff_required("accounts.add_room")
def import_rooms_template(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(resources.template_workbook(resources.ROOMS), f"{_('Rooms')}.xlsx")


@staff_required("accounts.add_residency")
def import_residents_template(request: HttpRequest) -> HttpResponse:
    content = resources.template_workbook(resources.RESIDENTS)
    return _xlsx_response(content, f"{_('Residents')}.xlsx")


def _import(request: HttpRequest, kind: str, *, done_url: str) -> HttpResponse:
    """Upload → dry run (row errors, or what would change and a confirm button) → confirm.
    The file waits in private storage between the two steps under a signed token."""
    community, user = request.community, request.user
    form = SheetUploadForm(kind=kind)
    outcome, token, file_name = None, "", ""
    if request.method == "POST" and request.POST.get("token"):
        stashed = resources.unstash_upload(
            request.POST["token"], user=user, community=community, kind=kind
        )
        if stashed is None:
            messages.error(request, _("The uploaded file has expired; please upload it again."))
            return redirect(request.path)
        content, file_name = stashed
        outcome = resources.run_import(
            kind,
            sheet=resources.read_upload(content, kind, file_name),
            community=community,
            actor=user,
            dry_run=False,
            file_name=file_name,
            request=request,
        )
        if outcome.ok:
            resources.forget_upload(request.POST["token"])
            messages.success(request, _import_summary(outcome))
            return redirect(done_url)
    elif request.method == "POST":
        form = SheetUploadForm(request.POST, request.FILES, kind=kind)
        if form.is_valid():
            file_name = form.cleaned_data["sheet"].name
            outcome = resources.run_import(
                kind, sheet=form.spreadsheet, community=community, actor=user, dry_run=True
            )
            if outcome.ok:
                token = resources.stash_upload(
                    form.content, file_name=file_name, user=user, community=community, kind=kind
                )
    return render(
        request,
        "staff/accounts/import.html",
        {
            "kind": kind,
            "form": form,
            "outcome": outcome,
            "token": token,
            "file_name": file_name,
            "headers": resources.HEADERS[kind],
            "required_headers": resources.REQUIRED_HEADERS[kind],
            "template_url": reverse(f"staff_residents:import_{kind}_template"),
        },
        status=400 if form.errors else 200,
    )


def _import_summary(outcome: resources.ImportOutcome) -> str:
    return _("Import finished: %(new)d added, %(updated)d updated, %(skipped)d unchanged.") % {
        "new": outcome.new,
        "updated": outcome.updated,
        "skipped": outcome.skipped,
    }
