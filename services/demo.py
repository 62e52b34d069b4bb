"""The services app's part of the demo estate, called from seed_demo: each part seeds its own."""

from accounts.models import Community

from .activities import demo as activities
from .attendance import demo as attendance
from .bookings import demo as bookings
from .catalogue import demo as catalogue
from .parcels import demo as parcels
from .providers import demo as providers


def seed_services(community: Community) -> None:
    for part in (providers, catalogue, bookings, parcels, activities, attendance):
        part.seed(community)
