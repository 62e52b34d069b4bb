import pytest
from django.core.cache import cache
from django.db import transaction

from kit import cache as kit_cache
from kit.models import PendingInvalidation
from kit.tasks import replay_invalidations_task

pytestmark = pytest.mark.django_db


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute, calls


def test_a_value_is_computed_once_until_its_scope_is_invalidated():
    compute, calls = counter()
    assert kit_cache.cached("badge", ["user:1"], compute) == 1
    assert kit_cache.cached("badge", ["user:1"], compute) == 1
    kit_cache.invalidate("user:1")
    assert kit_cache.cached("badge", ["user:1"], compute) == 2
    assert len(calls) == 2


def test_other_scopes_and_names_are_left_alone():
    compute, calls = counter()
    kit_cache.cached("badge", ["user:1", "community:7"], compute)
    kit_cache.cached("tabs", ["user:2"], compute)
    kit_cache.invalidate("user:2")
    assert kit_cache.cached("badge", ["user:1", "community:7"], compute) == 1
    kit_cache.invalidate("community:7")
    assert kit_cache.cached("badge", ["user:1", "community:7"], compute) == 3


def test_falsy_values_are_cached_too():
    calls = []

    def compute():
        calls.append(1)
        return 0

    kit_cache.cached("count", ["user:1"], compute)
    kit_cache.cached("count", ["user:1"], compute)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_value_cached_inside_the_writing_transaction_is_dropped_at_commit():
    compute, _calls = counter()
    with transaction.atomic():
        kit_cache.invalidate("user:1")
        # Another reader caches what it saw before the commit.
        assert kit_cache.cached("badge", ["user:1"], compute) == 1
    assert kit_cache.cached("badge", ["user:1"], compute) == 2


def test_an_evicted_generation_does_not_bring_old_values_back():
    compute, _calls = counter()
    kit_cache.cached("badge", ["user:1"], compute)
    cache.delete(kit_cache._generation_key("user:1"))
    assert kit_cache.cached("badge", ["user:1"], compute) == 2


def test_many_scopes_make_a_short_key_that_still_follows_each_scope():
    compute, _calls = counter()
    scopes = [f"household:{n}" for n in range(40)]
    assert kit_cache.cached("badge", scopes, compute) == 1
    assert kit_cache.cached("badge", scopes, compute) == 1
    kit_cache.invalidate("household:39")
    assert kit_cache.cached("badge", scopes, compute) == 2


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_an_unreachable_cache_computes_the_value_each_time(monkeypatch):
    compute, calls = counter()
    monkeypatch.setattr(kit_cache, "cache", BrokenCache())
    assert kit_cache.cached("badge", ["user:1"], compute) == 1
    assert kit_cache.cached("badge", ["user:1"], compute) == 2


@pytest.mark.django_db(transaction=True)
def test_a_write_while_the_cache_is_unreachable_goes_on_and_invalidates_once_it_is_back(
    monkeypatch,
):
    compute, _calls = counter()
    assert kit_cache.cached("badge", ["user:1"], compute) == 1
    reachable = kit_cache.cache
    monkeypatch.setattr(kit_cache, "cache", BrokenCache())
    with transaction.atomic():
        kit_cache.invalidate("user:1", "household:7")
    assert sorted(PendingInvalidation.objects.values_list("scope", flat=True)) == [
        "household:7",
        "household:7",
        "user:1",
        "user:1",
    ]  # fmt: skip (kept in the transaction, and again after the commit)
    assert kit_cache.replay_pending() == 0  # still unreachable: they stay
    assert PendingInvalidation.objects.count() == 4

    monkeypatch.setattr(kit_cache, "cache", reachable)
    # Out of reach only (its data kept): the value from before the write is still there ...
    assert kit_cache.cached("badge", ["user:1"], compute) == 1
    assert replay_invalidations_task.apply().get() == 4
    # ... until the replay.
    assert kit_cache.cached("badge", ["user:1"], compute) == 2
    assert not PendingInvalidation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_rolled_back_while_the_cache_is_unreachable_keeps_nothing(monkeypatch):
    monkeypatch.setattr(kit_cache, "cache", BrokenCache())
    with transaction.atomic():
        kit_cache.invalidate("user:1")
        transaction.set_rollback(True)
    assert not PendingInvalidation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_table_written_while_the_cache_is_unreachable_is_invalidated_once_it_is_back(
    monkeypatch,
):
    """The page cache's moves of table generations (kit.pagecache) are kept the same way, and
    writing what is kept does not keep more."""
    from accounts.models import User

    monkeypatch.setattr(kit_cache, "cache", BrokenCache())
    User.objects.filter(pk=-1).update(is_active=True)  # changes no row: nothing kept
    with transaction.atomic():
        user = User.objects.create(mobile="13900009999")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(display_name="张")
    kept = list(PendingInvalidation.objects.values_list("scope", flat=True))
    assert kept.count("table:accounts_user") == 2  # the insert, and the update once committed
    assert "table:kit_pendinginvalidation" not in kept
