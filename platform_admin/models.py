"""The models of platform_admin live in its parts; Django finds them here."""

from .backups.models import *  # noqa: F403
from .business.models import *  # noqa: F403
from .parameters.models import *  # noqa: F403
from .partners.models import *  # noqa: F403
from .reports.models import *  # noqa: F403
from .usage.models import *  # noqa: F403
