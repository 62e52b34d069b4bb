"""URLs of the filing part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from .. import files
from . import views_resident

resident: list = [  # namespace "complaints", under /
    path("complaints/", views_resident.home, name="home"),
    path("complaints/<int:complaint_id>/", views_resident.complaint_detail, name="detail"),
    path(
        "complaints/<int:complaint_id>/files/<int:complaint_file_id>/",
        files.resident_file,
        name="file",
    ),
]
staff: list = [  # namespace "complaints_staff", under /staff/
    path("complaints/files/<int:complaint_file_id>/", files.staff_file, name="file"),
]
