"""URLs of the parcels part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_resident, views_staff

resident: list = [  # namespace "services", under /
    path("parcels/", views_resident.parcel_list, name="parcel_list"),
]
staff: list = [  # namespace "services_staff", under /staff/
    path("parcels/", views_staff.parcel_list, name="parcel_list"),
    path("parcels/export/", views_staff.parcel_export, name="parcel_export"),
    path("parcels/new/", views_staff.parcel_create, name="parcel_create"),
    path("parcels/pickup/", views_staff.parcel_pickup, name="parcel_pickup"),
    path("parcels/<int:parcel_id>/", views_staff.parcel_detail, name="parcel_detail"),
    path(
        "parcels/<int:parcel_id>/hand-over/",
        views_staff.parcel_hand_over,
        name="parcel_hand_over",
    ),
    path("parcels/<int:parcel_id>/return/", views_staff.parcel_return, name="parcel_return"),
]
provider: list = []  # namespace "services_provider", under /provider/
