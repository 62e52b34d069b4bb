"""The provider pages (under /provider/): a provider's own people on their phones."""

from .activities import urls as activities
from .attendance import urls as attendance
from .bookings import urls as bookings
from .catalogue import urls as catalogue
from .parcels import urls as parcels
from .providers import urls as providers

app_name = "services_provider"

urlpatterns = [
    *providers.provider,
    *catalogue.provider,
    *bookings.provider,
    *parcels.provider,
    *activities.provider,
    *attendance.provider,
]
