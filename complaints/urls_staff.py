"""Staff pages of complaints and suggestions (under /staff/)."""

from .conversation import urls as conversation
from .figures import urls as figures
from .filing import urls as filing
from .handling import urls as handling
from .suggestions import urls as suggestions

app_name = "complaints_staff"

urlpatterns = [
    *filing.staff,
    *handling.staff,
    *conversation.staff,
    *suggestions.staff,
    *figures.staff,
]
