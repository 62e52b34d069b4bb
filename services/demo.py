"""The services app's part of the demo estate, called from seed_demo: each part seeds its own.
The bookings part goes before the catalogue: it gives 张伟's household bookings in every state
(and skips a household that has bookings already), the catalogue then adds its finished
bookings of other households and the reviews, 张伟's among them."""

from accounts.models import Community

from .activities import demo as activities
from .attendance import demo as attendance
from .bookings import demo as bookings
from .catalogue import demo as catalogue
from .parcels import demo as parcels
from .providers import demo as providers


def seed_services(community: Community) -> None:
    for part in (providers, bookings, catalogue, parcels, activities, attendance):
        part.seed(community)
