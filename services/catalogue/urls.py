"""URLs of the catalogue part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_provider, views_resident, views_staff

# namespace "services", under /
resident: list = [
    path("services/", views_resident.provider_list, name="provider_list"),
    path(
        "services/providers/<int:provider_id>/",
        views_resident.provider_detail,
        name="provider_detail",
    ),
    path(
        "services/bookings/<int:booking_id>/review/",
        views_resident.review_create,
        name="review_create",
    ),
    path(
        "services/review-photos/<int:review_photo_id>/",
        views_resident.review_photo,
        name="review_photo",
    ),
]
# namespace "services_staff", under /staff/
staff: list = [
    path("services/reviews/", views_staff.review_list, name="review_list"),
    path("services/reviews/<int:review_id>/", views_staff.review_detail, name="review_detail"),
    path("services/reviews/<int:review_id>/hide/", views_staff.review_hide, name="review_hide"),
    path(
        "services/reviews/<int:review_id>/unhide/",
        views_staff.review_unhide,
        name="review_unhide",
    ),
    path(
        "services/reviews/<int:review_id>/photos/<int:review_photo_id>/",
        views_staff.review_photo,
        name="review_photo",
    ),
]
# namespace "services_provider", under /provider/
provider: list = [
    path("reviews/", views_provider.review_list, name="review_list"),
    path("reviews/<int:review_id>/reply/", views_provider.review_reply, name="review_reply"),
    path(
        "reviews/photos/<int:review_photo_id>/",
        views_provider.review_photo,
        name="review_photo",
    ),
]
