from django.urls import path

from . import views, views_audit

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("community/", views.switch_community, name="switch_community"),
    path("search/", views.global_search, name="search"),
    path("team/", views.team, name="team"),
    path("team/add/", views.staff_add, name="staff_add"),
    path(
        "team/invitations/<int:staff_invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "team/invitations/<int:staff_invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("team/<int:member_id>/", views.staff_edit, name="staff_edit"),
    path("team/<int:member_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("team/<int:member_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("audit/", views_audit.audit_log, name="audit_log"),
]
