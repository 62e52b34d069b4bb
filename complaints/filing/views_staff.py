"""Staff log a complaint made by phone or at the desk, on a resident's behalf (desktop):
find the room, choose who complained, then the complaint itself."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kit.forms import add_service_errors, posted_data
from staff.access import staff_required

from ..setup import LOG
from . import selectors, services
from .forms import LoggedComplaintForm, RoomFindForm


@staff_required(LOG)
@require_http_methods(["GET", "POST"])
def log_complaint(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    room = selectors.room_of_community(request.community, source.get("room"))
    searching = room is None and any(request.GET.get(key) for key in ("q", "building"))
    find_form = RoomFindForm(request.GET if searching else None, community=request.community)
    found = None
    if searching and find_form.is_valid():
        found = selectors.find_rooms(request.community, find_form.cleaned_data)
        if len(found) == 1:
            room = found[0]
    context = {"find_form": find_form, "found": found, "room": room}
    if room is None:
        return render(request, "staff/complaints/filing/log.html", context)
    people = selectors.people_of_room(room)
    first = people[0].user if people else None
    form = LoggedComplaintForm(
        posted_data(request),
        request.FILES if request.method == "POST" else None,
        community=request.community,
        people=people,
        initial={
            "reporter": first.pk if first else None,
            "contact_name": first.get_full_name() if first else "",
            "contact_phone": first.mobile if first else "",
        },
    )
    if form.is_bound and form.is_valid():
        try:
            complaint = services.complaint_log(
                actor=request.user, community=request.community, room=room, request=request,
                **form.complaint_arguments(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(
                request,
                _("Complaint %(number)s logged for %(room)s. The household has been told.")
                % {"number": complaint.number, "room": room.label},
            )
            return redirect("complaints_staff:detail", complaint.pk)
    context.update({"form": form, "people": people})
    return render(
        request,
        "staff/complaints/filing/log.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )
