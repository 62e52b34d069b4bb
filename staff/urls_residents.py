from django.urls import path

from . import views_residents as views

app_name = "staff_residents"

urlpatterns = [
    path("residents/", views.residents, name="residents"),
    path("residents/export/", views.residents_export, name="residents_export"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path(
        "residents/<int:resident_id>/contacts/",
        views.resident_contacts,
        name="resident_contacts",
    ),
    path("residencies/verify/", views.residencies_verify_matching, name="residencies_verify"),
    path("residencies/<int:residency_id>/verify/", views.residency_verify, name="residency_verify"),
    path("residencies/<int:residency_id>/reject/", views.residency_reject, name="residency_reject"),
    path("residencies/<int:residency_id>/end/", views.residency_end, name="residency_end"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/new/", views.room_new, name="room_new"),
    path("rooms/<int:room_id>/", views.room_detail, name="room_detail"),
    path("rooms/<int:room_id>/edit/", views.room_edit, name="room_edit"),
    path("import/", views.import_hub, name="import"),
    path("import/rooms/", views.import_rooms, name="import_rooms"),
    path("import/rooms/template/", views.import_rooms_template, name="import_rooms_template"),
    path("import/residents/", views.import_residents, name="import_residents"),
    path(
        "import/residents/template/",
        views.import_residents_template,
        name="import_residents_template",
    ),
]
