from .conversation import admin as conversation_admin  # noqa: F401
from .figures import admin as figures_admin  # noqa: F401
from .filing import admin as filing_admin  # noqa: F401
from .handling import admin as handling_admin  # noqa: F401
from .suggestions import admin as suggestions_admin  # noqa: F401
