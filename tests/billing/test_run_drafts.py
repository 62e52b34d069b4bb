"""A draft bill run can be discarded or computed again before it is published (issue 19);
a ¥0.00 bill is never created, and every room a fee bills nothing says why in the preview."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import services
from billing.models import Bill, BillLine, BillRun, FeePrice
from kit.audit import AuditEntry
from tests.factories import RoomFactory, fee_rule

pytestmark = pytest.mark.django_db

MAY = dt.date(2025, 5, 1)


def make_run(community, rules, actor):
    return services.run_create(community=community, fee_rules=rules, month=MAY, actor=actor)


@pytest.mark.req("SBIL-1")
def test_a_draft_run_is_discarded_with_its_bills(client_for, cashier, community, room,
                                                 property_rule):  # fmt: skip
    run = make_run(community, [property_rule], cashier)
    assert Bill.objects.count() == 1
    response = client_for(cashier).post(reverse("billing_staff:run_discard", args=[run.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("billing_staff:runs")
    assert not BillRun.objects.exists() and not Bill.objects.exists()
    assert not BillLine.objects.exists()
    entry = AuditEntry.objects.get(action="billing.run_discarded")
    assert entry.data["bills"] == 1 and entry.actor == cashier
    # The month can be billed again.
    again = make_run(community, [property_rule], cashier)
    assert again.bill_count == 1


@pytest.mark.req("SBIL-1")
def test_a_published_run_is_never_discarded_nor_recomputed(client_for, cashier, community,
                                                           room, property_rule):  # fmt: skip
    run = make_run(community, [property_rule], cashier)
    services.run_publish(run=run, actor=cashier)
    client = client_for(cashier)
    for name in ("run_discard", "run_regenerate"):
        response = client.post(reverse(f"billing_staff:{name}", args=[run.pk]), follow=True)
        assert _("This bill run is already published; its bills stay.") in [
            str(m) for m in response.context["messages"]]  # fmt: skip
    assert Bill.objects.filter(run=run, status=Bill.Status.PUBLISHED).count() == 1


@pytest.mark.req("SBIL-1")
def test_a_wrong_draft_is_computed_again_from_the_corrected_price_and_rooms(
    client_for, cashier, community, room, property_rule
):
    bare = RoomFactory(building=room.building, number="1202", floor=12, area=None)
    run = make_run(community, [property_rule], cashier)
    assert (run.bill_count, run.total) == (1, D("275.80"))
    assert [entry[1] for entry in run.skipped] == [bare.label]
    # The office corrects the price (a new one from the period's start) and the room's area.
    Bill.objects.filter(run=run).delete()  # the price cannot change under existing bills
    FeePrice.objects.filter(rule=property_rule).update(unit_price=D("3.00"))
    bare.area = D("50")
    bare.save()
    run.refresh_from_db()
    response = client_for(cashier).post(reverse("billing_staff:run_regenerate", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == BillRun.Status.CREATED
    assert (run.bill_count, run.total, run.skipped) == (2, D("445.50"), [])
    assert sorted(Bill.objects.filter(run=run).values_list("amount", flat=True)) == [
        D("150.00"), D("295.50")]  # fmt: skip
    entry = AuditEntry.objects.get(action="billing.run_regenerated")
    assert entry.data["bills"] == 2


@pytest.mark.req("SBIL-1")
def test_other_communities_runs_are_not_found(client_for, cashier, outsider_staff, community,
                                              room, property_rule):  # fmt: skip
    run = make_run(community, [property_rule], cashier)
    outsider = client_for(outsider_staff)
    for name in ("run_discard", "run_regenerate"):
        assert outsider.post(reverse(f"billing_staff:{name}", args=[run.pk])).status_code == 404
    assert BillRun.objects.filter(pk=run.pk).exists() and Bill.objects.count() == 1


@pytest.mark.req("SBIL-1")
def test_zero_bills_are_not_created_and_the_preview_says_why(client_for, cashier, community,
                                                             room):  # fmt: skip
    free = fee_rule(community, kind="fixed", name="公共照明", unit_price="0")
    water = fee_rule(community, kind="water", name="水费", unit_price="3.45")
    services.reading_record(room=room, kind="water", month=MAY, current=D("100"), actor=cashier)
    response = client_for(cashier).get(
        reverse("billing_staff:run_new"), {"rules": [free.pk, water.pk], "month": "2025-05"}
    )
    assert response.context["bill_count"] == 0
    exceptions = list(response.context["exceptions_page"])
    assert (free.name, room.label, _("The amount is ¥0.00 (the price is zero).")) in exceptions
    assert (water.name, room.label,
            _("Nothing used this month: the bill would be ¥0.00.")) in exceptions  # fmt: skip
    page = response.content.decode()
    assert _("Nothing used this month: the bill would be ¥0.00.") in page
    run = make_run(community, [free, water], cashier)
    assert run.bill_count == 0 and not Bill.objects.exists()


def test_the_draft_run_page_offers_discard_and_recompute(client_for, cashier, community, room,
                                                        property_rule):  # fmt: skip
    run = make_run(community, [property_rule], cashier)
    page = client_for(cashier).get(reverse("billing_staff:run_detail", args=[run.pk]))
    text = page.content.decode()
    assert reverse("billing_staff:run_discard", args=[run.pk]) in text
    assert reverse("billing_staff:run_regenerate", args=[run.pk]) in text
