"""Where the alerts to staff lead: the link written with each message (shown by the inbox, sent
in the Web Push payload and the WeChat template message) is the staff page of its object, and
a push or WeChat message opens it through the staff inbox, which marks it read and switches to
the object's community first."""

# The fixtures of tests/repairs and tests/billing are imported, and the tests name them as
# arguments (which pyflakes reads as redefinitions).
# ruff: noqa: F811
import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone

from billing.online import services as online
from billing.online.providers import get_provider
from notices.channels import webpush, wechat
from notices.links import outside_url
from notices.models import Delivery, Message
from repairs import services as repair_services
from staff.middleware import SESSION_KEY

from ..billing.conftest import last_month, property_rule, published_bill  # noqa: F401
from ..factories import CommunityFactory, MessageFactory, StaffMemberFactory
from ..repairs.conftest import (  # noqa: F401
    dispatcher,
    make_order,
    residency,
    technician_member,
)

pytestmark = pytest.mark.req("SREP-2", "NOT-2")


def pushed_url(message: Message) -> str:
    return urlsplit(json.loads(webpush.payload(Delivery(message=message)))["url"]).path


def alerts_for_manager(manager, make_order, resident, published_bill):
    """One of each alert a manager receives, made by the services that send them."""
    from billing.models import SandboxTrade

    overdue = make_order("pending")
    repair_services.escalate_overdue(overdue.accept_due_at + dt.timedelta(minutes=1))
    rated = make_order("completed")
    repair_services.order_rate(order=rated, user=resident, speed=1, quality=2, attitude=2)
    payment, _ = online.payment_start(
        bills=[published_bill], method="alipay", payer=resident, client=online.Client()
    )
    get_provider(payment.method).pay(payment.number)
    SandboxTrade.objects.filter(number=payment.number).update(amount_fen=1)
    online.reconcile(now=timezone.now() + dt.timedelta(minutes=4))
    return {
        "repair.overdue": ("repairs_staff:detail", overdue.pk),
        "repair.low_rating": ("repairs_staff:detail", rated.pk),
        "payment.alert": ("billing_staff:payment_detail", payment.pk),
    }


@pytest.mark.django_db
def test_alerts_to_a_manager_lead_to_staff_pages(
    client_for, manager, make_order, resident, published_bill
):
    expected = alerts_for_manager(manager, make_order, resident, published_bill)
    client = client_for(manager)
    for event, (url_name, pk) in expected.items():
        message = Message.objects.get(recipient=manager, event=event)
        staff_page = reverse(url_name, args=[pk])
        assert message.url == staff_page, event
        match = resolve(message.url)
        assert f"{match.namespace}:{match.url_name}" == url_name

        # Push and WeChat: through the staff inbox's door, never the resident portal.
        door = reverse("notices_staff:message_open", args=[message.pk])
        assert pushed_url(message) == door
        with override_settings(LINLI_SITE_URL="https://linli.example"):
            assert wechat.absolute_url(message) == "https://linli.example" + door
        response = client.get(door)
        assert response.status_code == 302 and response["Location"] == staff_page, event
        assert client.get(staff_page).status_code == 200, event
        message.refresh_from_db()
        assert message.read_at is not None


@pytest.mark.django_db
def test_a_job_dispatched_to_a_technician_leads_to_his_phone_page(
    client_for, technician, make_order
):
    order = make_order("assigned")
    message = Message.objects.get(recipient=technician, event="repair.assigned")
    job_page = reverse("repairs_tech:detail", args=[order.pk])
    assert message.url == job_page
    assert pushed_url(message) == reverse("notices_staff:message_open", args=[message.pk])
    client = client_for(technician)
    assert client.get(pushed_url(message))["Location"] == job_page
    assert client.get(job_page).status_code == 200


@pytest.mark.req("X-1")
@pytest.mark.django_db
def test_an_alert_about_another_community_served_opens_there_rather_than_a_404(
    client, community, make_order, positions
):
    """A manager of two communities working on the other one: tapping the alert switches to
    the order's community (as the switcher would) instead of landing on a 404."""
    annex = CommunityFactory(company=community.company, name="翠湖花园二期")
    both = StaffMemberFactory(communities=[annex, community], position_name="经理").user
    client.force_login(both)
    client.post(reverse("staff:switch_community"), {"community_id": annex.pk})
    order = make_order("pending")
    page = reverse("repairs_staff:detail", args=[order.pk])
    assert client.get(page).status_code == 404  # the page alone, from the other community

    repair_services.escalate_overdue(order.accept_due_at + dt.timedelta(minutes=1))
    message = Message.objects.get(recipient=both, event="repair.overdue")
    response = client.get(pushed_url(message))
    assert response["Location"] == page
    assert client.session[SESSION_KEY] == community.pk
    followed = client.get(page)
    assert followed.status_code == 200
    assert "已切换到翠湖花园" in followed.content.decode()


@pytest.mark.req("X-1")
def test_no_switch_to_a_community_not_served(client_for, manager, outsider_staff, community):
    """A link to another company's object (it cannot be in a staff member's own message, but
    the door must not trust it) switches nothing: the page stays a 404."""
    from ..factories import RepairOrderFactory

    foreign = RepairOrderFactory()
    url = reverse("repairs_staff:detail", args=[foreign.pk])
    message = MessageFactory(recipient=manager, url=url)
    client = client_for(manager)
    client.get(reverse("staff:home"))
    assert client.get(outside_url(message))["Location"] == url
    assert client.session.get(SESSION_KEY) in (None, community.pk)
    assert client.get(url).status_code == 404


def test_a_message_without_a_link_opens_the_inbox_of_its_recipients_portal(manager, resident, db):
    assert outside_url(MessageFactory(recipient=manager)) == reverse("notices_staff:inbox")
    assert outside_url(MessageFactory(recipient=resident)) == reverse("notices:inbox")
    # A resident's own link is left as it is (the resident portal opens it).
    own = MessageFactory(recipient=resident, url="/repairs/12/")
    assert pushed_url(own) == "/repairs/12/"
