"""The database counters behind every limit (accounts.limits): one atomic upsert per hit, so
requests at the same moment each get their own number, on SQLite and PostgreSQL alike."""

import threading

import pytest
from django.db import connection

from accounts import limits
from accounts.models import RateCounter


@pytest.mark.django_db(transaction=True)
def test_hits_at_the_same_moment_are_each_counted_once():
    results, errors = [], []
    start = threading.Barrier(6)

    def hammer():
        try:
            start.wait()
            for _ in range(10):
                results.append(limits.hit("race", "1000/h").count)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == list(range(1, 61)), "no two hits saw the same count"
    assert limits.hit("race", "1000/h", increment=False).count == 60


@pytest.mark.django_db
def test_windows_end_and_are_purged(start_of_an_hour):
    travel = start_of_an_hour
    assert limits.hit("window", "2/m").count == 1
    assert limits.hit("window", "2/m").count == 2
    assert limits.hit("window", "2/m", increment=False).exhausted
    travel(61)
    assert limits.hit("window", "2/m", increment=False).count == 0
    assert limits.hit("window", "2/m").count == 1
    assert RateCounter.objects.count() == 1, "the ended window was purged"


@pytest.mark.django_db
def test_a_claim_holds_until_its_deadline(travel):
    assert limits.claim("interval", 60) == 0
    assert 59 < limits.claim("interval", 60) <= 60
    travel(30)
    assert 29 < limits.claim("interval", 60) <= 30
    travel(31)
    assert limits.claim("interval", 60) == 0
    limits.release("interval")
    assert limits.claim("interval", 60) == 0


@pytest.mark.django_db
def test_an_ipv6_client_is_limited_by_its_network(rf, settings, start_of_an_hour):
    """One subscriber gets a whole /64: a new address per text must not be a new limit."""
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "ip": ["2/h"]}
    for n, phone in enumerate(["13700000001", "13700000002"]):
        limits.reserve_sms(rf.post("/", REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"), phone)
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(rf.post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"), "13700000003")
    # Another network is another client.
    limits.reserve_sms(rf.post("/", REMOTE_ADDR="2001:db8:1:3::1"), "13700000004")


@pytest.mark.django_db
def test_count_action_says_how_long_to_wait_once_a_window_is_full(start_of_an_hour):
    """The door staff invitations use (main's staff.services): per key, in the database."""
    for _ in range(2):
        assert limits.count_action(None, group="test.action", key="7", rates=["2/h"]) is None
    wait = limits.count_action(None, group="test.action", key="7", rates=["2/h"])
    assert 3500 < wait <= 3600
    assert limits.count_action(None, group="test.action", key="8", rates=["2/h"]) is None


def test_the_migration_creates_the_cache_table_the_settings_name(transactional_db):
    """Test databases get their cache tables from Django's test runner whatever the migration
    does; a fresh `make run` has only the migration."""
    from importlib import import_module

    from django.apps import apps as installed_apps
    from django.conf import settings
    from django.db import connection

    migration = import_module("accounts.migrations.0006_rate_counter")
    table = settings.CACHES["limits"]["LOCATION"]
    with connection.schema_editor() as editor:
        editor.execute(f"DROP TABLE {editor.quote_name(table)}")
        assert table not in connection.introspection.table_names()
        migration.create_limits_cache_table(installed_apps, editor)
    assert table in connection.introspection.table_names()
