"""URLs of the handling part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from . import views_staff

resident: list = []  # namespace "complaints", under /
staff: list = [  # namespace "complaints_staff", under /staff/
    path("complaints/", views_staff.queue, name="queue"),
    path("complaints/<int:complaint_id>/", views_staff.complaint_detail, name="detail"),
]
