"""URLs of the activities part, joined into the app's namespaces by services/urls*.py."""

resident: list = []  # namespace "services", under /
staff: list = []  # namespace "services_staff", under /staff/
provider: list = []  # namespace "services_provider", under /provider/
