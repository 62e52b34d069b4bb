"""bench/lighthouse.py's pages resolve to addresses that answer a resident (the bench itself
runs Lighthouse on production serving, outside the test suite)."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from notices.models import Notice

from .factories import NoticeFactory, RepairOrderFactory, ResidencyFactory, build_billing_world

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
