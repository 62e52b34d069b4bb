from django.urls import path

from .views import staff

app_name = "accounts_staff"

urlpatterns = [
    path("residents/", staff.residents, name="residents"),
    path("residencies/<int:residency_id>/verify/", staff.residency_verify, name="residency_verify"),
    path("residencies/<int:residency_id>/reject/", staff.residency_reject, name="residency_reject"),
    path("rooms/", staff.rooms, name="rooms"),
    path("rooms/<int:room_id>/", staff.room_detail, name="room_detail"),
]
