"""PSTA-1: recording who uses the residents' portal, at most one row per user and day."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from platform_admin.usage import recording
from platform_admin.usage.models import UsageDay
from tests.conftest import clear_test_cache
from tests.factories import UserFactory

pytestmark = [pytest.mark.req("PSTA-1"), pytest.mark.django_db, pytest.mark.usage_recording]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("name", "args", "feature"),
    [
        ("repairs:list", [], "repairs"),
        ("repairs:create", [], "repairs"),
        ("repairs:detail", [1], "repairs"),
        ("billing:pay", [], "payments"),
        ("billing:payment", ["P1"], "payments"),
        ("billing:payment_continue", ["P1"], "payments"),
        ("billing:bills", [], None),
        ("notices:detail", [1], "notices"),
        ("notices:board", [], None),
        ("services:booking_create", [1], "bookings"),
        ("services:booking_list", [], "bookings"),
        ("services:booking_detail", [1], "bookings"),
        ("services:activity_list", [], "activities"),
        ("services:activity_detail", [1], "activities"),
        ("services:activity_signup", [1], "activities"),
        ("services:provider_list", [], None),
        ("complaints:home", [], "complaints"),
        ("complaints:create", [], "complaints"),
        ("complaints:suggestion_board", [], "complaints"),
        ("accounts:home", [], None),
    ],
)
def test_each_feature_is_mapped_from_its_urls(name, args, feature):
    match = resolve(reverse(name, args=args))
    assert recording.counts_as_use(match)
    assert recording.feature_of(match.namespace, match.url_name) == feature


@pytest.mark.parametrize(
    "name",
    ["staff:home", "repairs_staff:queue", "admin:index", "billing:payment_notify",
     "notices:service_worker"],
)  # fmt: skip
def test_work_and_machine_endpoints_are_no_use(name):
    args = ["wechat"] if name == "billing:payment_notify" else []
    assert not recording.counts_as_use(resolve(reverse(name, args=args)))


def test_one_row_per_user_and_day_with_every_feature_of_the_day(morning, resident, community):
    assert recording.record_use(resident, None)
    assert recording.record_use(resident, "repairs")
    assert recording.record_use(resident, "payments")
    assert not recording.record_use(resident, "repairs")  # known from the cache
    clear_test_cache()  # a cold cache: the write is repeated, the row stays one
    assert recording.record_use(resident, "notices")
    assert recording.record_use(resident, "repairs")
    row = UsageDay.objects.get()
    assert (row.user, row.day, row.community) == (resident, dt.date(2026, 3, 10), community)
    assert (row.repairs, row.payments, row.notices) == (True, True, True)
    assert (row.bookings, row.activities, row.complaints) == (False, False, False)


def test_a_new_local_day_is_a_new_row(resident):
    with time_machine.travel(dt.datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI), tick=False):
        recording.record_use(resident, "repairs")
    # 00:01 in Shanghai is still the day before in UTC: the local day decides.
    with time_machine.travel(dt.datetime(2026, 3, 11, 0, 1, tzinfo=SHANGHAI), tick=False):
        recording.record_use(resident, None)
    assert list(UsageDay.objects.order_by("day").values_list("day", "repairs")) == [
        (dt.date(2026, 3, 10), True),
        (dt.date(2026, 3, 11), False),
    ]


def test_someone_without_a_verified_room_has_no_community_that_day(morning):
    newcomer = UserFactory()
    recording.record_use(newcomer, None)
    assert UsageDay.objects.get().community is None


def _usage_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "platform_admin_usageday" in q["sql"]]


def test_the_middleware_records_a_page_then_writes_nothing_more_that_day(
    morning, client_for, resident
):
    client = client_for(resident)
    assert client.get(reverse("repairs:list")).status_code == 200
    assert UsageDay.objects.filter(user=resident, repairs=True).count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("repairs:list")).status_code == 200
        assert client.get(reverse("accounts:home")).status_code == 200
    assert _usage_queries(queries.captured_queries) == []
    # A feature not used yet today: one statement, the INSERT … ON CONFLICT.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("complaints:home")).status_code == 200
    writes = _usage_queries(queries.captured_queries)
    assert len(writes) == 1 and "ON CONFLICT" in writes[0].upper()
    row = UsageDay.objects.get(user=resident)
    assert row.repairs and row.complaints and not row.payments


def test_staff_at_work_operators_and_visitors_are_not_recorded(
    morning, client, client_for, manager, operator
):
    assert client.get(reverse("notices:board")).status_code in (200, 302)  # a visitor
    assert client_for(manager).get(reverse("staff:home")).status_code == 200
    assert client_for(operator).get(reverse("admin:index")).status_code == 200
    assert not UsageDay.objects.exists()


def test_failed_requests_are_not_recorded(morning, client_for, resident):
    assert client_for(resident).get(reverse("repairs:detail", args=[999999])).status_code == 404
    assert not UsageDay.objects.exists()


def test_an_error_while_recording_never_breaks_the_request(
    morning, client_for, resident, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(recording, "record_use", broken)
    with caplog.at_level(logging.ERROR, logger="platform_admin.usage.recording"):
        response = client_for(resident).get(reverse("repairs:list"))
    assert response.status_code == 200
    assert "usage not recorded" in caplog.text


def test_a_failing_database_write_leaves_the_request_usable(
    morning, client_for, resident, monkeypatch
):
    def failing_bulk_create(*args, **kwargs):
        raise RuntimeError("deadlock")

    monkeypatch.setattr(UsageDay.objects, "bulk_create", failing_bulk_create)
    assert client_for(resident).get(reverse("repairs:list")).status_code == 200
