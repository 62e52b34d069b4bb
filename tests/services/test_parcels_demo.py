"""The parcels demo of seed_demo: 张伟's household has parcels waiting (one long enough to be
reminded) and collected, neighbours fill the shelves; seeding again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from services.models import Parcel

pytestmark = [pytest.mark.django_db, pytest.mark.dates, pytest.mark.req("SVC-1")]


def test_demo_parcels_are_seeded_once(settings):
    call_command("seed_demo", rooms=60, quiet=True, stdout=StringIO())
    parcels = Parcel.objects.all()
    counts = dict(parcels.values_list("status").annotate(n=Count("pk")))
    assert set(counts) == set(Parcel.Status.values), counts
    zhang = parcels.filter(household__user__mobile="13900000001")
    assert zhang.filter(status="waiting").count() == 2
    assert zhang.filter(status="picked_up").count() == 2
    assert parcels.filter(status="waiting").values("household").distinct().count() >= 5
    waiting_codes = list(parcels.filter(status="waiting").values_list("pickup_code", flat=True))
    assert len(waiting_codes) == len(set(waiting_codes))
    from services.parcels.services import remind_waiting_parcels

    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 3
    assert remind_waiting_parcels() >= 1  # 张伟's four-day-old parcel at least
    total = parcels.count()
    call_command("seed_demo", rooms=60, quiet=True, stdout=StringIO())
    assert Parcel.objects.count() == total
