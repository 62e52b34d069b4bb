"""The invitee's side of a staff invitation: outside the staff portal (they are not staff yet)."""

from django.urls import path

from . import views_invitation

app_name = "staff_invitation"

urlpatterns = [
    path("<str:token>/", views_invitation.answer, name="answer"),
]
