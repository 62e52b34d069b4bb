"""Resident pages of services and activities (under /)."""

from .activities import urls as activities
from .attendance import urls as attendance
from .bookings import urls as bookings
from .catalogue import urls as catalogue
from .parcels import urls as parcels
from .providers import urls as providers

app_name = "services"

urlpatterns = [
    *providers.resident,
    *catalogue.resident,
    *bookings.resident,
    *parcels.resident,
    *activities.resident,
    *attendance.resident,
]
