"""投诉建议: the resident's complaints (phone)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import complaint_for_user_or_404, complaints_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The hub: the household's complaints, and (the suggestions part) its suggestions."""
    return render(
        request,
        "resident/complaints/filing/home.html",
        {"complaints": complaints_for_user(request.user)[:50]},
    )


@login_required
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    return render(request, "resident/complaints/filing/detail.html", {"complaint": complaint})
