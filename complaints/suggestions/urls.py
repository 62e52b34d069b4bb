"""URLs of the suggestions part, joined into the app's namespaces by complaints/urls*.py."""

resident: list = []  # namespace "complaints", under /
staff: list = []  # namespace "complaints_staff", under /staff/
