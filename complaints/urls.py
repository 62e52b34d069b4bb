"""Resident pages of complaints and suggestions (under /)."""

from .conversation import urls as conversation
from .figures import urls as figures
from .filing import urls as filing
from .handling import urls as handling
from .suggestions import urls as suggestions

app_name = "complaints"

urlpatterns = [
    *filing.resident,
    *handling.resident,
    *conversation.resident,
    *suggestions.resident,
    *figures.resident,
]
