from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_admin.audit import entries_for_objects
from staff.access import safe_next, staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import paginate

from .. import selectors, services
from ..filters import ResidencyFilter, RoomFilter
from ..forms import RejectResidencyForm
from ..models import Residency, Room
from ..tables import ResidencyTable, RoomTable


@staff_required("accounts.view_residency")
def residents(request: HttpRequest) -> HttpResponse:
    community = request.community
    filterset = ResidencyFilter(
        request.GET or None,
        queryset=selectors.residencies_for_community(community),
        community=community,
    )
    table = ResidencyTable(filterset.qs)
    paginate(request, table)
    return render(
        request,
        "staff/accounts/residents.html",
        {
            "filter": filterset,
            "table": table,
            "can_verify": staff_has_perm(request, "accounts.verify_residency"),
        },
    )


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
    return redirect(safe_next(request, "accounts_staff:residents"))


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
            return redirect(safe_next(request, "accounts_staff:residents"))
    # Show the form again with what was typed and why it was refused.
    return render(
        request,
        "staff/accounts/residency_reject.html",
        {
            "residency": residency,
            "form": form,
            "next": safe_next(request, "accounts_staff:residents"),
        },
        status=400 if form.errors else 200,
    )


@staff_required("accounts.view_room")
def rooms(request: HttpRequest) -> HttpResponse:
    community = request.community
    filterset = RoomFilter(
        request.GET or None, queryset=selectors.rooms_for_community(community), community=community
    )
    table = RoomTable(filterset.qs, order_by=request.GET.get("sort") or "label")
    paginate(request, table)
    return render(request, "staff/accounts/rooms.html", {"filter": filterset, "table": table})


@staff_required("accounts.view_room")
def room_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    room = get_scoped_or_404(request, Room.objects.all(), room_id)
    room = selectors.room_with_history(room)
    residencies = list(room.residencies.all())
    return render(
        request,
        "staff/accounts/room_detail.html",
        {
            "room": room,
            "household": [r for r in residencies if r.status == Residency.Status.VERIFIED],
            "history": residencies,
            "audit_entries": entries_for_objects(Residency, [r.pk for r in residencies])[:20],
            "can_verify": staff_has_perm(request, "accounts.verify_residency"),
        },
    )
