"""URLs of the handling part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from . import views_staff

resident: list = []  # namespace "complaints", under /
staff: list = [  # namespace "complaints_staff", under /staff/
    path("complaints/", views_staff.queue, name="queue"),
    path("complaints/export/", views_staff.export, name="export"),
    path("complaints/<int:complaint_id>/", views_staff.complaint_detail, name="detail"),
    path("complaints/<int:complaint_id>/accept/", views_staff.complaint_accept, name="accept"),
    path("complaints/<int:complaint_id>/route/", views_staff.complaint_route, name="route"),
    path("complaints/<int:complaint_id>/reply/", views_staff.complaint_reply, name="reply"),
]
