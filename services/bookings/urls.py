"""URLs of the bookings part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_provider, views_resident, views_staff

# namespace "services", under /
resident: list = [
    path("services/items/<int:item_id>/book/", views_resident.booking_create,
         name="booking_create"),
    path("services/bookings/", views_resident.booking_list, name="booking_list"),
    path("services/bookings/<int:booking_id>/", views_resident.booking_detail,
         name="booking_detail"),
    path("services/bookings/<int:booking_id>/cancel/", views_resident.booking_cancel,
         name="booking_cancel"),
]  # fmt: skip
# namespace "services_staff", under /staff/
staff: list = [
    path("services/bookings/", views_staff.booking_list, name="booking_list"),
    path("services/bookings/<int:booking_id>/", views_staff.booking_detail,
         name="booking_detail"),
    path("services/bookings/<int:booking_id>/cancel/", views_staff.booking_cancel,
         name="booking_cancel"),
]  # fmt: skip
# namespace "services_provider", under /provider/
provider: list = [
    path("bookings/", views_provider.booking_list, name="booking_list"),
    path("bookings/<int:booking_id>/", views_provider.booking_detail, name="booking_detail"),
    path("bookings/<int:booking_id>/confirm/", views_provider.booking_confirm,
         name="booking_confirm"),
    path("bookings/<int:booking_id>/start/", views_provider.booking_start,
         name="booking_start"),
    path("bookings/<int:booking_id>/finish/", views_provider.booking_finish,
         name="booking_finish"),
    path("bookings/<int:booking_id>/no-show/", views_provider.booking_no_show,
         name="booking_no_show"),
    path("bookings/<int:booking_id>/cancel/", views_provider.booking_cancel,
         name="booking_cancel"),
]  # fmt: skip
