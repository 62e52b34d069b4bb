from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    residencies = list(selectors.rooms_of_user(request.user))
    verified_room_ids = [r.room_id for r in residencies if r.status == r.Status.VERIFIED]
    households = selectors.households_for_rooms(verified_room_ids)
    cards = [{"residency": r, "household": households.get(r.room_id, [])} for r in residencies]
    return render(request, "resident/accounts/home.html", {"cards": cards})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    residencies = list(selectors.rooms_of_user(request.user))
    return render(request, "resident/accounts/me.html", {"residencies": residencies})
