import pytest


@pytest.fixture(autouse=True)
def _no_quiet_hours(db):
    """Quiet hours hold back pushes at night, and the suite may run at any hour: they are off
    unless a test turns them on (`quiet_hours`)."""
    from notices.models import PushSettings

    PushSettings.objects.update_or_create(pk=1, defaults={"quiet_hours_enabled": False})


@pytest.fixture
def quiet_hours(db):
    from notices.models import PushSettings

    return PushSettings.objects.filter(pk=1).update(quiet_hours_enabled=True)
