from django.urls import path

from .views import staff

app_name = "accounts_staff"

urlpatterns = [
    path("residents/", staff.residents, name="residents"),
    path("residents/export/", staff.residents_export, name="residents_export"),
    path("residents/<int:resident_id>/", staff.resident_detail, name="resident_detail"),
    path(
        "residents/<int:resident_id>/contacts/",
        staff.resident_contacts,
        name="resident_contacts",
    ),
    path("residencies/<int:residency_id>/verify/", staff.residency_verify, name="residency_verify"),
    path("residencies/<int:residency_id>/reject/", staff.residency_reject, name="residency_reject"),
    path("residencies/<int:residency_id>/end/", staff.residency_end, name="residency_end"),
    path("rooms/", staff.rooms, name="rooms"),
    path("rooms/<int:room_id>/", staff.room_detail, name="room_detail"),
    path("import/", staff.import_hub, name="import"),
    path("import/rooms/", staff.import_rooms, name="import_rooms"),
    path("import/rooms/template/", staff.import_rooms_template, name="import_rooms_template"),
    path("import/residents/", staff.import_residents, name="import_residents"),
    path(
        "import/residents/template/",
        staff.import_residents_template,
        name="import_residents_template",
    ),
]
