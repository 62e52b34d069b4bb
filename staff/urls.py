from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("community/", views.switch_community, name="switch_community"),
    path("team/", views.team, name="team"),
    path("audit/", views.audit_log, name="audit_log"),
]
