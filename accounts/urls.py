from django.urls import path

from .views import resident

app_name = "accounts"

urlpatterns = [
    path("", resident.home, name="home"),
    path("me/", resident.me, name="me"),
    path("me/profile/", resident.profile_edit, name="profile_edit"),
    path("me/avatar/<int:user_id>/", resident.avatar, name="avatar"),
    path("me/security/", resident.security, name="security"),
    path("me/large-text/", resident.large_text, name="large_text"),
    path("me/rooms/", resident.my_rooms, name="rooms"),
    path("me/rooms/bind/", resident.room_bind, name="room_bind"),
    path("me/rooms/bind/<slug:level>/", resident.bind_options, name="bind_options"),
    path(
        "me/rooms/<int:residency_id>/withdraw/",
        resident.residency_withdraw,
        name="residency_withdraw",
    ),
    path("me/rooms/<int:residency_id>/proof/", resident.residency_proof, name="residency_proof"),
    path("me/family/", resident.family, name="family"),
    path("me/family/<int:residency_id>/invite/", resident.family_invite, name="family_invite"),
    path(
        "me/family/members/<int:residency_id>/remove/",
        resident.family_member_remove,
        name="family_member_remove",
    ),
    path(
        "me/family/invitations/<int:invitation_id>/withdraw/",
        resident.family_invitation_revoke,
        name="family_invitation_revoke",
    ),
    path(
        "invitations/<int:invitation_id>/accept/",
        resident.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        resident.invitation_decline,
        name="invitation_decline",
    ),
]
