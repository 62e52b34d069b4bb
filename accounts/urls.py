from django.urls import path

from .views import resident

app_name = "accounts"

urlpatterns = [
    path("", resident.home, name="home"),
    path("me/", resident.me, name="me"),
]
