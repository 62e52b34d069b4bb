"""Bill runs on the staff portal (SBIL-1): preview with totals and exceptions, drafts that
residents do not see, publishing that notifies the households, and no duplicate bills."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import selectors, services
from billing.models import Bill, BillRun
from notices.models import Message
from tests.factories import RoomFactory, fee_rule

pytestmark = pytest.mark.django_db

RUNS = reverse("billing_staff:runs")
NEW = reverse("billing_staff:run_new")
MAY = dt.date(2025, 5, 1)


@pytest.fixture
def water_rule(community):
    return fee_rule(community, kind="water", name="水费", unit_price="3.45")


def preview(client, rules, month="2025-05", **extra):
    return client.get(NEW, {"rules": [rule.pk for rule in rules], "month": month, **extra})


@pytest.mark.req("SBIL-1")
def test_the_preview_shows_totals_and_the_rooms_that_get_no_bill(
    client_for, cashier, community, room, property_rule, water_rule
):
    bare = RoomFactory(building=room.building, number="1202", floor=12, area=None)
    services.reading_record(room=room, kind="water", month=dt.date(2025, 4, 1), current=D("80"),
                            actor=cashier)  # fmt: skip
    services.reading_record(room=room, kind="water", month=MAY, current=D("100"), actor=cashier)
    response = preview(client_for(cashier), [property_rule, water_rule])
    assert response.status_code == 200
    assert response.context["bill_count"] == 2  # room: property + water; bare: nothing
    rows = {row["rule"].pk: row for row in response.context["rule_rows"]}
    assert rows[property_rule.pk]["count"] == 1
    assert rows[property_rule.pk]["total"] == D("275.80")
    assert rows[water_rule.pk]["exceptions"] == 1
    page = response.content.decode()
    assert "¥275.80" in page
    exceptions = list(response.context["exceptions_page"])
    assert (property_rule.name, bare.label, _("The room has no floor area.")) in exceptions
    assert (water_rule.name, bare.label, _("No meter reading for this month.")) in exceptions
    assert not any(entry[1] == room.label for entry in exceptions)
    assert bare.label in page and str(_("The room has no floor area.")) in page
    # A preview writes nothing.
    assert not Bill.objects.exists() and not BillRun.objects.exists()


@pytest.mark.req("SBIL-1")
def test_a_preview_of_many_exceptions_shows_a_page_at_a_time(
    client_for, cashier, room, property_rule
):
    for number in range(60):
        RoomFactory(building=room.building, number=f"9{number:02d}", floor=9, area=None)
    response = preview(client_for(cashier), [property_rule])
    assert len(response.context["plan"].exceptions) == 60
    assert len(response.context["exceptions_page"]) == 25
    last = preview(client_for(cashier), [property_rule], page=3)
    assert len(last.context["exceptions_page"]) == 10
    assert last.context["reasons"][0]["count"] == 60


@pytest.mark.req("SBIL-1")
def test_bad_choices_are_refused_with_the_choices_kept(
    client_for, cashier, property_rule, other_community
):
    theirs = fee_rule(other_community, name="别人的物业费")
    client = client_for(cashier)
    response = client.get(NEW, {"month": "2025-05"})
    assert response.status_code == 400
    assert response.context["form"].errors["rules"] == [_("Choose at least one fee.")]
    assert response.context["form"]["month"].value() == "2025-05"
    assert client.get(NEW, {"rules": [property_rule.pk], "month": "May"}).status_code == 400
    assert client.get(NEW, {"rules": [theirs.pk], "month": "2025-05"}).status_code == 400
    assert client.post(NEW, {"rules": [theirs.pk], "month": "2025-05"}).status_code == 400
    assert not Bill.objects.exists()


@pytest.mark.req("SBIL-1")
def test_created_bills_are_drafts_until_published_then_the_household_is_told(
    client_for, cashier, community, room, resident, family_member, property_rule,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client = client_for(cashier)
    response = client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    run = BillRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_staff:run_detail", args=[run.pk])
    bill = Bill.objects.get()
    assert (bill.status, bill.room, bill.amount) == (Bill.Status.DRAFT, room, D("275.80"))
    assert (bill.period_start, bill.period_end) == (MAY, dt.date(2025, 5, 31))
    # Residents do not see drafts; staff see that they are drafts.
    assert not selectors.bills_for_user(resident).exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert reverse("billing_staff:run_publish", args=[run.pk]) in detail.content.decode()
    assert detail.context["by_kind"][0]["total"] == D("275.80")
    assert [b.pk for b in detail.context["samples"]] == [bill.pk]
    assert not Message.objects.filter(event="bill.published").exists()

    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(reverse("billing_staff:run_publish", args=[run.pk]))
    assert published.status_code == 302
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PUBLISHED
    for person in (resident, family_member):
        assert Message.objects.filter(event="bill.published", recipient=person).count() == 1
        assert list(selectors.bills_for_user(person)) == [bill]
    page = client.get(response["Location"]).content.decode()
    assert reverse("billing_staff:run_publish", args=[run.pk]) not in page
    assert "已通知" in page and "（2人）" in page


@pytest.mark.req("SBIL-1")
def test_running_a_month_again_never_duplicates_a_bill(
    client_for, cashier, community, room, property_rule
):
    client = client_for(cashier)
    client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    assert Bill.objects.count() == 1
    again = client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    assert again.status_code == 400
    assert again.context["plan"].already_billed == 1
    assert again.context["form"].non_field_errors()
    assert Bill.objects.count() == 1 and BillRun.objects.count() == 1
    # A room added later gets its bill; the others are left alone.
    newcomer = RoomFactory(building=room.building, number="1203", floor=12)
    preview_page = preview(client, [property_rule])
    assert preview_page.context["plan"].already_billed == 1
    assert preview_page.context["bill_count"] == 1
    client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    assert sorted(Bill.objects.values_list("room_id", flat=True)) == sorted([room.pk, newcomer.pk])


@pytest.mark.req("SBIL-1")
def test_a_quarterly_fee_bills_the_quarter_of_the_chosen_month(
    client_for, cashier, room, community
):
    quarterly = fee_rule(community, name="季度物业费", unit_price="2.00", cycle="quarterly")
    client = client_for(cashier)
    response = preview(client, [quarterly])
    (row,) = response.context["rule_rows"]
    assert (row["start"], row["end"]) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert row["total"] == D("591.00")  # 98.50 m² × 2.00 × 3 months
    client.post(NEW, {"rules": [quarterly.pk], "month": "2025-05"})
    bill = Bill.objects.get()
    assert (bill.period_start, bill.period_end) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    # June is in the same quarter: nothing new.
    assert preview(client, [quarterly], month="2025-06").context["bill_count"] == 0


def test_publishing_twice_is_refused_with_a_message(client_for, cashier, property_rule, room):
    client = client_for(cashier)
    client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    run = BillRun.objects.get()
    url = reverse("billing_staff:run_publish", args=[run.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    again = client.post(url, follow=True)
    assert again.status_code == 200
    assert any(m.level_tag == "error" for m in again.context["messages"])


def test_runs_are_for_those_who_run_bills_and_only_of_their_community(
    client_for, staff_user, outsider_staff, cashier, property_rule, room
):
    run = services.run_create(
        community=property_rule.community, fee_rules=[property_rule], month=MAY, actor=cashier
    )
    assert client_for(staff_user).get(RUNS).status_code == 403  # 客服 does not run bills
    assert client_for(staff_user).get(NEW).status_code == 403
    outsider = client_for(outsider_staff)
    assert outsider.get(reverse("billing_staff:run_detail", args=[run.pk])).status_code == 404
    assert outsider.post(reverse("billing_staff:run_publish", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.status == BillRun.Status.CREATED
    listed = client_for(outsider_staff).get(RUNS)
    assert list(listed.context["table"].data) == []


def test_the_runs_list_runs_a_fixed_number_of_queries(
    client_for, cashier, community, room, property_rule
):
    client = client_for(cashier)

    def make_runs(months):
        for month in months:
            rule = fee_rule(community, name=f"固定费{month}", kind="fixed", unit_price="10")
            services.run_create(
                community=community, fee_rules=[rule, property_rule],
                month=dt.date(2024, month, 1), actor=cashier,
            )  # fmt: skip

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(RUNS)
        assert response.status_code == 200
        return len(queries)

    make_runs([1, 2])
    few = count_queries()
    make_runs([3, 4, 5, 6, 7])
    assert count_queries() == few
    page = client.get(RUNS).content.decode()
    assert "固定费7" in page and "¥" in page


def test_many_exceptions_are_shown_a_page_at_a_time(client_for, cashier, room, water_rule):
    """Every room lacks a water reading: the preview pages through them."""
    for n in range(30):
        RoomFactory(building=room.building, number=f"9{n:02d}", floor=9)
    client = client_for(cashier)
    first = preview(client, [water_rule]).content.decode()
    assert "1–25" in first and "31" in first
    assert 'href="?rules=' in first and "page=2#exceptions" in first
    second = preview(client, [water_rule], page=2)
    assert second.status_code == 200
    assert len(list(second.context["exceptions_page"])) == 6
