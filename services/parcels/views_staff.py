"""The parcel desk (under /staff/parcels/): phone pages for the front desk — log a parcel, the
shelf list (printable, exportable), pick-up by code, hand over, return to the carrier."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Residency, Room, User
from kit import spreadsheets
from kit.forms import add_service_errors, posted_data
from kit.pagecache import cache_page_per_visitor
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from ..models import Parcel
from . import selectors, services
from .forms import (
    HandOverForm,
    ParcelFilterForm,
    ParcelForm,
    PickupForm,
    ReturnForm,
    RoomFindForm,
)
from .setup import ADD, HAND_OVER, VIEW

PAGE_SIZE = 100
EXPORT_LIMIT = 5000
LAST_SHELF = "parcels.last_shelf"
LAST_CARRIER = "parcels.last_carrier"


def _parcel(request: HttpRequest, parcel_id: int) -> Parcel:
    return get_scoped_or_404(
        request,
        Parcel.objects.select_related(
            "room__building", "room__unit", "logged_by", "picked_up_by", "handed_over_by"
        ),
        parcel_id,
    )


# --- Logging a parcel ------------------------------------------------------------------------------


def _resident_in_room(room: Room | None, user_id) -> User | None:
    if room is None or not str(user_id or "").isdigit():
        return None
    residency = (
        Residency.objects.filter(room=room, user_id=int(user_id), status=Residency.Status.VERIFIED)
        .select_related("user")
        .first()
    )
    return residency.user if residency else None


def _initial(request: HttpRequest, resident: User | None, people: list[Residency]) -> dict:
    person = resident or (people[0].user if people else None)
    return {
        "carrier": request.session.get(LAST_CARRIER, "sf"),
        "shelf": request.session.get(LAST_SHELF, ""),
        "recipient_name": person.get_full_name() if person else "",
        "recipient_mobile": resident.mobile if resident else "",
    }


def _logged_message(request: HttpRequest, parcel: Parcel, nobody_verified: bool) -> None:
    values = {
        "room": parcel.room.label,
        "code": parcel.pickup_code,
        "shelf": parcel.shelf,
        "mobile": parcel.recipient_mobile,
    }
    if nobody_verified:
        messages.warning(
            request,
            _(
                "Logged for %(room)s: pickup code %(code)s, shelf %(shelf)s. Nobody verified "
                "lives in this room, so no one was notified: tell %(mobile)s."
            )
            % values,
        )
    else:
        messages.success(
            request,
            _(
                "Logged for %(room)s: pickup code %(code)s, shelf %(shelf)s. The household was "
                "notified."
            )
            % values,
        )


@staff_required(ADD)
@require_http_methods(["GET", "POST"])
def parcel_create(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    room = selectors.room_of_community(request.community, source.get("room"))
    resident = _resident_in_room(room, source.get("resident"))
    searching = room is None and any(request.GET.get(key) for key in ("q", "building"))
    find_form = RoomFindForm(request.GET if searching else None, community=request.community)
    found = None
    if searching and find_form.is_valid():
        data = find_form.cleaned_data
        found = selectors.find_rooms(request.community, data["q"], data["building"])
        if len(found) == 1:
            room, resident = found[0].room, found[0].resident
    context = {"find_form": find_form, "found": found, "room": room, "active_tab": "new"}
    if room is None:
        return render(request, "staff/services/parcels/create.html", context)
    people = selectors.verified_people_of_room(room)
    form = ParcelForm(
        posted_data(request),
        initial=_initial(request, resident, people),
        nobody_verified=not people,
    )
    if form.is_bound and form.is_valid():
        try:
            parcel = services.parcel_log(
                room=room, actor=request.user, resident=resident, request=request,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[LAST_SHELF] = parcel.shelf
            request.session[LAST_CARRIER] = parcel.carrier
            _logged_message(request, parcel, nobody_verified=not people)
            if "another" in request.POST:
                return redirect("services_staff:parcel_create")
            return redirect("services_staff:parcel_detail", parcel_id=parcel.pk)
    context.update({"form": form, "people": people, "resident": resident})
    return render(request, "staff/services/parcels/create.html", context)


# --- The shelf list --------------------------------------------------------------------------------


def _filter_data(request: HttpRequest) -> tuple[ParcelFilterForm, dict]:
    form = ParcelFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, data


@staff_required(VIEW)
@cache_page_per_visitor
def parcel_list(request: HttpRequest) -> HttpResponse:
    form, data = _filter_data(request)
    parcels = selectors.filtered_parcels(request.community, data)
    page = Paginator(parcels, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = (data.get("status") or Parcel.Status.WAITING) == Parcel.Status.WAITING
    rows = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/services/parcels/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "shelves": selectors.group_by_shelf(rows) if waiting else None,
            "waiting": waiting,
            "now": timezone.now(),
            "query": query.urlencode(),
            "active_tab": "list",
        },
    )


@staff_required(VIEW)
def parcel_export(request: HttpRequest) -> HttpResponse:
    _form, data = _filter_data(request)
    parcels = selectors.filtered_parcels(request.community, data)[:EXPORT_LIMIT]
    now = timezone.now()
    headers = [
        _("Shelf"), _("Pickup code"), _("Room"), _("Recipient"), _("Recipient's mobile"),
        _("Carrier"), _("Tracking number"), _("Arrived"), _("Days waiting"), _("Status"),
    ]  # fmt: skip
    rows = (
        [
            p.shelf,
            p.pickup_code,
            p.room.label,
            p.recipient_name,
            p.recipient_mobile,
            selectors.carrier_label(p.carrier),
            p.tracking_number,
            timezone.localtime(p.logged_at).strftime("%Y-%m-%d %H:%M"),
            (now - p.logged_at).days,
            p.get_status_display(),
        ]  # fmt: skip
        for p in parcels
    )
    data_set = spreadsheets.dataset(rows, headers=headers, title=_("Parcels on the shelves"))
    day = timezone.localdate().isoformat()
    return spreadsheets.file_response(
        spreadsheets.export(data_set, "xlsx"), file_name=f"{_('Parcels on the shelves')}-{day}.xlsx"
    )


# --- One parcel, pick-up, hand-over, return ------------------------------------------------------


def _detail(request: HttpRequest, parcel: Parcel, *, hand_over_form=None, return_form=None,
            status: int = 200) -> HttpResponse:  # fmt: skip
    may_hand_over = staff_has_perm(request, HAND_OVER) and parcel.status == Parcel.Status.WAITING
    if hand_over_form is None and may_hand_over:
        hand_over_form = HandOverForm(
            members=selectors.household_members(parcel),
            others=selectors.other_waiting_for_room(parcel),
        )
    return render(
        request,
        "staff/services/parcels/detail.html",
        {
            "parcel": parcel,
            "may_hand_over": may_hand_over,
            "hand_over_form": hand_over_form,
            "return_form": return_form or ReturnForm(),
            "active_tab": "pickup",
        },
        status=status,
    )


@staff_required(VIEW)
def parcel_detail(request: HttpRequest, parcel_id: int) -> HttpResponse:
    return _detail(request, _parcel(request, parcel_id))


@staff_required(HAND_OVER)
def parcel_pickup(request: HttpRequest) -> HttpResponse:
    form = PickupForm(request.GET if "code" in request.GET else None)
    parcels = None
    if form.is_bound and form.is_valid():
        parcels = selectors.parcels_with_code(request.community, form.cleaned_data["code"])
        if len(parcels) == 1 and parcels[0].status == Parcel.Status.WAITING:
            return redirect("services_staff:parcel_detail", parcel_id=parcels[0].pk)
    return render(
        request,
        "staff/services/parcels/pickup.html",
        {"form": form, "parcels": parcels, "active_tab": "pickup"},
    )


@staff_required(HAND_OVER)
@require_POST
def parcel_hand_over(request: HttpRequest, parcel_id: int) -> HttpResponse:
    parcel = _parcel(request, parcel_id)
    form = HandOverForm(
        request.POST,
        members=selectors.household_members(parcel),
        others=selectors.other_waiting_for_room(parcel),
    )
    if not form.is_valid():
        return _detail(request, parcel, hand_over_form=form, status=400)
    data = form.cleaned_data
    codes = []
    for one in [parcel, *data["also"]]:
        try:
            services.parcel_hand_over(
                parcel=one, actor=request.user, collector=data["collector"],
                collector_name=data["name"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, f"{one.pickup_code}: {error.messages[0]}")
        else:
            codes.append(one.pickup_code)
    if codes:
        name = data["name"].strip() or data["collector"].get_full_name()
        messages.success(
            request,
            _("Handed over to %(name)s: pickup code %(code)s.")
            % {"name": name, "code": "、".join(codes)},
        )
        return redirect("services_staff:parcel_pickup")
    return redirect("services_staff:parcel_detail", parcel_id=parcel.pk)


@staff_required(HAND_OVER)
@require_POST
def parcel_return(request: HttpRequest, parcel_id: int) -> HttpResponse:
    parcel = _parcel(request, parcel_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.parcel_return(
                parcel=parcel, actor=request.user, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason")
        else:
            messages.success(request, _("The parcel is marked as returned to the carrier."))
            return redirect("services_staff:parcel_detail", parcel_id=parcel.pk)
    return _detail(request, parcel, return_form=form, status=400)
