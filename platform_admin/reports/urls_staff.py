from django.urls import path

from . import views_staff

app_name = "reports_staff"

urlpatterns = [
    path("reports/", views_staff.report_list, name="list"),
    path("reports/<int:report_id>/download/", views_staff.report_download, name="pdf"),
]
