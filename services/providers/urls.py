"""URLs of the providers part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_provider as p
from . import views_staff as s

resident: list = []  # namespace "services", under /

# namespace "services_staff", under /staff/
staff: list = [
    path("services/providers/", s.provider_listings, name="provider_listings"),
    path("services/providers/new/", s.provider_enter, name="provider_enter"),
    path("services/providers/<int:listing_id>/", s.provider_listing, name="provider_listing"),
    path(
        "services/providers/<int:listing_id>/licence/",
        s.provider_listing_licence,
        name="provider_listing_licence",
    ),
    path(
        "services/providers/<int:listing_id>/approve/",
        s.provider_listing_approve,
        name="provider_listing_approve",
    ),
    path(
        "services/providers/<int:listing_id>/reject/",
        s.provider_listing_reject,
        name="provider_listing_reject",
    ),
    path(
        "services/providers/<int:listing_id>/suspend/",
        s.provider_listing_suspend,
        name="provider_listing_suspend",
    ),
    path(
        "services/providers/<int:listing_id>/reinstate/",
        s.provider_listing_reinstate,
        name="provider_listing_reinstate",
    ),
]

# namespace "services_provider", under /provider/
provider: list = [
    path("", p.provider_home, name="provider_home"),
    path("apply/", p.provider_apply, name="provider_apply"),
    path("profile/", p.provider_profile, name="provider_profile"),
    path("profile/licence/", p.provider_licence, name="provider_licence"),
    path("profile/licence/renew/", p.provider_licence_renew, name="provider_licence_renew"),
    path("members/", p.provider_members, name="provider_members"),
    path("members/add/", p.provider_member_add, name="provider_member_add"),
    path(
        "members/<int:member_id>/remove/", p.provider_member_remove, name="provider_member_remove"
    ),
]
