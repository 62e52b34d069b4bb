from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """Storage for files that only permission-checked views may serve (see settings)."""
    return storages["private"]
