"""Mounted under accounts/ before allauth.urls: our view answers at allauth's path and name."""

from django.urls import path

from . import views

app_name = "social_login"

urlpatterns = [
    path("3rdparty/signup/", views.signup, name="signup"),
]
