"""URLs of the activities part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_resident as resident_views
from . import views_staff as staff_views

resident: list = [  # namespace "services", under /
    path("activities/", resident_views.activity_list, name="activity_list"),
    path("activities/<int:activity_id>/", resident_views.activity_detail, name="activity_detail"),
    path(
        "activities/<int:activity_id>/poster/",
        resident_views.activity_poster,
        name="activity_poster",
    ),
    path(
        "activities/<int:activity_id>/signup/",
        resident_views.activity_signup,
        name="activity_signup",
    ),
    path(
        "activities/signups/<int:signup_id>/cancel/",
        resident_views.activity_signup_cancel,
        name="activity_signup_cancel",
    ),
    path(
        "activities/signups/<int:signup_id>/claim/",
        resident_views.activity_offer_claim,
        name="activity_offer_claim",
    ),
    path(
        "activities/signups/<int:signup_id>/decline/",
        resident_views.activity_offer_decline,
        name="activity_offer_decline",
    ),
]
staff: list = [  # namespace "services_staff", under /staff/
    path("activities/", staff_views.activity_list, name="activity_list"),
    path("activities/new/", staff_views.activity_create, name="activity_create"),
    path("activities/<int:activity_id>/", staff_views.activity_detail, name="activity_detail"),
    path("activities/<int:activity_id>/edit/", staff_views.activity_edit, name="activity_edit"),
    path(
        "activities/<int:activity_id>/publish/",
        staff_views.activity_publish,
        name="activity_publish",
    ),
    path(
        "activities/<int:activity_id>/cancel/", staff_views.activity_cancel, name="activity_cancel"
    ),
    path(
        "activities/<int:activity_id>/poster/", staff_views.activity_poster, name="activity_poster"
    ),
    path(
        "activities/<int:activity_id>/signups/",
        staff_views.activity_signups,
        name="activity_signups",
    ),
    path(
        "activities/signups/<int:signup_id>/approve/",
        staff_views.activity_signup_approve,
        name="activity_signup_approve",
    ),
    path(
        "activities/signups/<int:signup_id>/refuse/",
        staff_views.activity_signup_refuse,
        name="activity_signup_refuse",
    ),
]
provider: list = []  # namespace "services_provider", under /provider/
