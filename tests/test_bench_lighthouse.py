"""bench/lighthouse.py's pages resolve to addresses that answer a resident (the bench itself
runs Lighthouse on production serving, outside the test suite), and the accessibility findings
of its first run that no other rule covers stay fixed."""

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from notices.models import Notice

from .factories import (
    NoticeFactory,
    ParcelFactory,
    RepairOrderFactory,
    ResidencyFactory,
    build_billing_world,
)

BENCH = Path(__file__).resolve().parent.parent / "bench" / "lighthouse.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_lighthouse", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_every_page_of_the_bench_answers_the_resident(client):
    owner = ResidencyFactory()
    community = owner.room.building.community
    NoticeFactory(
        community=community,
        status=Notice.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(minutes=1),
    )
    RepairOrderFactory(household=owner)
    build_billing_world(community, owner.room)
    bench = _bench()

    paths = bench.resident_paths(owner.user)

    assert list(paths) == list(bench.PAGES)
    client.force_login(owner.user)
    for name, path in paths.items():
        assert client.get(path).status_code == 200, (name, path)


@pytest.mark.django_db
def test_the_bench_says_what_the_resident_lacks():
    owner = ResidencyFactory()

    with pytest.raises(LookupError, match="notice, order, bill"):
        _bench().resident_paths(owner.user)


@pytest.mark.django_db
def test_the_audits_findings_stay_fixed(client):
    """axe: the home page has a level-one heading, the trend's scrolling table can be reached
    with the keyboard, the parcel's QR code is an image with a name."""
    owner = ResidencyFactory()
    ParcelFactory(household=owner)
    build_billing_world(owner.room.building.community, owner.room)
    client.force_login(owner.user)

    home = client.get("/").content.decode()
    assert re.search(r"<h1[^>]*>\s*<span[^>]*>欢迎回家</span>", home)
    trend = client.get("/bills/trend/").content.decode()
    assert (
        'class="table-responsive" tabindex="0" role="region" aria-labelledby="table-heading"'
        in trend
    )
    assert 'id="table-heading"' in trend
    parcels = client.get("/parcels/").content.decode()
    assert re.search(r'class="qr-box[^"]*" role="img" aria-label="[^"]+"', parcels)
