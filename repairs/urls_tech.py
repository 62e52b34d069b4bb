from django.urls import path

from .views import files, technician

app_name = "repairs_tech"

urlpatterns = [
    path("jobs/", technician.job_list, name="list"),
    path("jobs/<int:order_id>/", technician.job_detail, name="detail"),
    path("jobs/<int:order_id>/grab/", technician.job_grab, name="grab"),
    path("jobs/<int:order_id>/accept/", technician.job_accept, name="accept"),
    path("jobs/<int:order_id>/start/", technician.job_start, name="start"),
    path("jobs/<int:order_id>/decline/", technician.job_decline, name="decline"),
    path("jobs/<int:order_id>/charge/", technician.job_charge, name="charge"),
    path("jobs/<int:order_id>/note/", technician.job_note, name="note"),
    path("jobs/<int:order_id>/finish/", technician.job_finish, name="finish"),
    path("jobs/<int:order_id>/position/", technician.job_position, name="position"),
    path("jobs/<int:order_id>/sharing/", technician.job_sharing, name="sharing"),
    path("jobs/<int:order_id>/files/<int:repair_file_id>/", files.technician_file, name="file"),
]
