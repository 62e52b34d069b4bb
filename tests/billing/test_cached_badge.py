"""The 缴费 tab's number is cached (kit.cache, billing.selectors.unpaid_bill_badge) and follows
every change of the household's bills through billing.services: a run published, a bill paid at
the counter, the payment voided, a bill waived, a single charge published; and the residency
(issue 21)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts import services as accounts_services
from accounts.models import Residency
from billing import selectors, services
from tests.factories import ResidencyFactory

pytestmark = pytest.mark.django_db


def badge(user) -> int:
    return selectors.unpaid_bill_badge(user)


def test_publishing_a_run_shows_its_bills(
    resident, family_member, room, community, property_rule, manager, last_month
):
    assert (badge(resident), badge(family_member)) == (0, 0)
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    assert badge(resident) == 0  # a draft is not owed yet
    services.run_publish(run=run, actor=manager)
    assert (badge(resident), badge(family_member)) == (1, 1)


def test_paying_and_voiding_at_the_counter(resident, published_bill, manager):
    assert badge(resident) == 1
    payment = services.counter_payment(bills=[published_bill], method="cash", cashier=manager)
    assert badge(resident) == 0
    services.payment_void(payment=payment, actor=manager, reason="收错房间", any_day=True)
    assert badge(resident) == 1


def test_waiving(resident, published_bill, manager):
    assert badge(resident) == 1
    services.bill_waive(bill=published_bill, actor=manager, reason="困难户减免")
    assert badge(resident) == 0


def test_a_single_charge_published(resident, room, cashier):
    assert badge(resident) == 0
    services.charge_create(charge=services.ChargeInput(
        room=room, title="钥匙卡", kind="other", period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 1), due_date=dt.date(2026, 12, 20),
        lines=[services.rules.Line("钥匙卡", D(1), "", D(20), D(20))],
    ), actor=cashier, publish=True)  # fmt: skip
    assert badge(resident) == 1


def test_the_badge_follows_the_residency(resident, room, published_bill, manager):
    newcomer = ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None,
        relation=Residency.Relation.TENANT,
    )  # fmt: skip
    assert badge(newcomer.user) == 0
    accounts_services.residency_verify(residency=newcomer, actor=manager)
    assert badge(newcomer.user) == 1
    accounts_services.residency_end(residency=newcomer, actor=manager)
    assert badge(newcomer.user) == 0


def test_another_households_bills_never_count(outsider, published_bill):
    assert badge(outsider) == 0
