"""A payment that needs checking reaches the staff whose position in the community carries
billing.refund_bill (the manager's, by default), whatever the position is called: operators
may rename positions in the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from billing.models import SandboxTrade
from billing.online import services as online
from billing.online.providers import get_provider
from notices.models import Message
from staff.positions import CASHIER, MANAGER

pytestmark = [pytest.mark.django_db, pytest.mark.req("BIL-3")]


def raise_alert(bill, payer) -> None:
    """The provider's answer disagrees with the amount asked: staff must look into it."""
    payment, _checkout = online.payment_start(
        bills=[bill], method="alipay", payer=payer, client=online.Client()
    )
    get_provider(payment.method).pay(payment.number)
    SandboxTrade.objects.filter(number=payment.number).update(amount_fen=1)
    online.reconcile(now=timezone.now() + dt.timedelta(minutes=4))


def alerts_to(user):
    return Message.objects.filter(recipient=user, event="payment.alert")


def test_a_renamed_manager_position_still_hears_of_payment_alerts(
    published_bill, resident, manager, cashier
):
    Group.objects.filter(name=MANAGER).update(name="项目经理")
    raise_alert(published_bill, resident)
    assert alerts_to(manager).count() == 1
    assert not alerts_to(cashier).exists()


def test_payment_alerts_follow_the_permission_not_the_position(
    published_bill, resident, manager, cashier
):
    refunds = Permission.objects.get(content_type__app_label="billing", codename="refund_bill")
    Group.objects.get(name=MANAGER).permissions.remove(refunds)
    Group.objects.get(name=CASHIER).permissions.add(refunds)
    raise_alert(published_bill, resident)
    assert alerts_to(cashier).count() == 1
    assert not alerts_to(manager).exists()
