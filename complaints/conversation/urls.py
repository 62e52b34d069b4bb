"""URLs of the conversation part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from . import views_resident, views_staff

resident: list = [  # namespace "complaints", under /
    path(
        "complaints/<int:complaint_id>/messages/",
        views_resident.message_send,
        name="message_send",
    ),
]
staff: list = [  # namespace "complaints_staff", under /staff/
    path(
        "complaints/<int:complaint_id>/messages/",
        views_staff.message_send,
        name="message_send",
    ),
    path("complaints/<int:complaint_id>/merge/", views_staff.merge, name="merge"),
]
