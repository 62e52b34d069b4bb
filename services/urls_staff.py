"""Staff pages of services and activities (under /staff/)."""

from .activities import urls as activities
from .attendance import urls as attendance
from .bookings import urls as bookings
from .catalogue import urls as catalogue
from .parcels import urls as parcels
from .providers import urls as providers

app_name = "services_staff"

urlpatterns = [
    *providers.staff,
    *catalogue.staff,
    *bookings.staff,
    *parcels.staff,
    *activities.staff,
    *attendance.staff,
]
