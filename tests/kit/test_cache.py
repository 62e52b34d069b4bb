import pytest
from django.core.cache import cache
from django.db import transaction

from kit import cache as kit_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


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


def test_an_unreachable_cache_refuses_the_invalidating_write(monkeypatch):
    monkeypatch.setattr(kit_cache, "cache", BrokenCache())
    with pytest.raises(ConnectionError):
        kit_cache.invalidate("user:1")
