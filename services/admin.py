from .activities import admin as activities_admin  # noqa: F401
from .attendance import admin as attendance_admin  # noqa: F401
from .bookings import admin as bookings_admin  # noqa: F401
from .catalogue import admin as catalogue_admin  # noqa: F401
from .parcels import admin as parcels_admin  # noqa: F401
from .providers import admin as providers_admin  # noqa: F401
