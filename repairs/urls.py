from django.urls import path

from .views import files, resident

app_name = "repairs"

urlpatterns = [
    path("repairs/", resident.order_list, name="list"),
    path("repairs/new/", resident.order_create, name="create"),
    path("repairs/<int:order_id>/", resident.order_detail, name="detail"),
    path("repairs/<int:order_id>/live/", resident.order_live, name="live"),
    path("repairs/<int:order_id>/cancel/", resident.order_cancel, name="cancel"),
    path("repairs/<int:order_id>/rate/", resident.order_rate, name="rate"),
    path("repairs/<int:order_id>/charge/agree/", resident.order_charge_agree, name="charge_agree"),
    path(
        "repairs/<int:order_id>/technician-photo/",
        files.technician_photo,
        name="technician_photo",
    ),
    path(
        "repairs/<int:order_id>/files/<int:repair_file_id>/",
        files.resident_file,
        name="file",
    ),
]
