"""URLs of the attendance part, joined into the app's namespaces by services/urls*.py."""

from django.urls import path

from . import views_resident, views_staff

resident: list = [  # namespace "services", under /
    path(
        "activities/signups/<int:signup_id>/pass/",
        views_resident.checkin_pass,
        name="checkin_pass",
    ),
    path(
        "activities/signups/<int:signup_id>/checkin/",
        views_resident.checkin_self,
        name="checkin_self",
    ),
]
staff: list = [  # namespace "services_staff", under /staff/
    path("activities/<int:activity_id>/checkin/", views_staff.checkin, name="checkin"),
    path(
        "activities/<int:activity_id>/export/",
        views_staff.activity_export,
        name="activity_export",
    ),
    path(
        "activities/<int:activity_id>/report/",
        views_staff.activity_report,
        name="activity_report",
    ),
    path(
        "activities/<int:activity_id>/report/chart.svg",
        views_staff.activity_report_chart,
        name="activity_report_chart",
    ),
]
provider: list = []  # namespace "services_provider", under /provider/
