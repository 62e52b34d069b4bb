"""The complaint desk (staff, desktop)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from staff.access import staff_required
from staff.scoping import get_scoped_or_404

from ..models import Complaint
from ..setup import VIEW_COMPLAINT


@staff_required(VIEW_COMPLAINT)
def queue(request: HttpRequest) -> HttpResponse:
    complaints = Complaint.objects.filter(community=request.community).select_related("category")[
        :50
    ]
    return render(request, "staff/complaints/handling/queue.html", {"complaints": complaints})


@staff_required(VIEW_COMPLAINT)
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = get_scoped_or_404(request, Complaint.objects.all(), complaint_id)
    return render(request, "staff/complaints/handling/detail.html", {"complaint": complaint})
