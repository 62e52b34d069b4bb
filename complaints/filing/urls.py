"""URLs of the filing part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from .. import files
from . import views_resident, views_staff

resident: list = [  # namespace "complaints", under /
    path("complaints/", views_resident.home, name="home"),
    path("complaints/new/", views_resident.create, name="create"),
    path("complaints/<int:complaint_id>/", views_resident.complaint_detail, name="detail"),
    path("complaints/<int:complaint_id>/close/", views_resident.complaint_close, name="close"),
    path("complaints/<int:complaint_id>/return/", views_resident.complaint_return, name="return"),
    path(
        "complaints/<int:complaint_id>/withdraw/",
        views_resident.complaint_withdraw,
        name="withdraw",
    ),
    path("complaints/<int:complaint_id>/rate/", views_resident.complaint_rate, name="rate"),
    path(
        "complaints/<int:complaint_id>/files/<int:complaint_file_id>/",
        files.resident_file,
        name="file",
    ),
]
staff: list = [  # namespace "complaints_staff", under /staff/
    path("complaints/log/", views_staff.log_complaint, name="log"),
    path("complaints/files/<int:complaint_file_id>/", files.staff_file, name="file"),
]
