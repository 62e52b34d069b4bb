"""Platform operators keep the fee rule templates in the admin (PSET-1); bills, payments and
receipts are read-only there."""

import json

import pytest
from django.urls import reverse

from billing.models import FeeRuleTemplate
from tests.factories import FeeRuleTemplateFactory

pytestmark = pytest.mark.django_db


def template_data(**overrides):
    data = {
        "name": "阶梯电费",
        "kind": "electricity",
        "description": "居民阶梯电价",
        "unit_price": "0.538",
        "tiers": json.dumps([["200", "0.538"], ["400", "0.588"], ["", "0.838"]]),
        "cycle": "monthly",
        "due_day": "15",
        # In per cent, as the staff portal's rule form (PSET-1: one unit everywhere).
        "late_fee_daily_percent": "0.05",
        "late_fee_cap_percent": "10",
    }
    data.update(overrides)
    return data


@pytest.mark.req("PSET-1")
def test_templates_are_listed_and_edited(client_for, operator, property_rule):
    template = FeeRuleTemplateFactory(name="物业服务费模板")
    client = client_for(operator)
    listing = client.get(reverse("admin:billing_feeruletemplate_changelist"))
    assert listing.status_code == 200 and "物业服务费模板" in listing.content.decode()
    change = client.get(reverse("admin:billing_feeruletemplate_change", args=[template.pk]))
    assert change.status_code == 200

    response = client.post(reverse("admin:billing_feeruletemplate_add"), template_data())
    assert response.status_code == 302
    created = FeeRuleTemplate.objects.get(name="阶梯电费")
    assert created.tiers == [["200", "0.538"], ["400", "0.588"], ["", "0.838"]]


@pytest.mark.req("PSET-1")
@pytest.mark.parametrize(
    "tiers",
    [
        [["400", "0.5"], ["200", "0.6"], ["", "0.9"]],  # limits fall
        [["200", "0.5"], ["400", "0.6"]],  # last tier not open
        [["", "0.5"], ["", "0.6"]],  # open tier not last
        [["200", "-1"], ["", "0.6"]],  # negative price
        [["200", "0.5"]],  # one tier
        {"200": "0.5"},  # not a list of pairs
        [["abc", "0.5"], ["", "0.6"]],
    ],
)
def test_bad_tiers_are_refused(client_for, operator, tiers):
    response = client_for(operator).post(
        reverse("admin:billing_feeruletemplate_add"), template_data(tiers=json.dumps(tiers))
    )
    assert response.status_code == 200
    assert "tiers" in response.context["adminform"].form.errors
    assert not FeeRuleTemplate.objects.exists()


def test_tiers_only_for_meters(client_for, operator):
    response = client_for(operator).post(
        reverse("admin:billing_feeruletemplate_add"), template_data(kind="property")
    )
    assert "tiers" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "model", ["bill", "payment", "receipt", "billrun", "feerule", "meterreading", "meter",
              "parkingspace", "billingsettings"],
)  # fmt: skip
def test_billing_records_load_in_the_admin(client_for, operator, community, room, model):
    from tests.factories import build_billing_world

    build_billing_world(community, room)
    response = client_for(operator).get(reverse(f"admin:billing_{model}_changelist"))
    assert response.status_code == 200


def test_money_records_are_read_only(client_for, operator, community, room):
    from tests.factories import build_billing_world

    world = build_billing_world(community, room)
    client = client_for(operator)
    assert client.get(reverse("admin:billing_bill_add")).status_code == 403
    bill_page = client.get(reverse("admin:billing_bill_change", args=[world["bill"].pk]))
    assert bill_page.status_code == 200 and 'name="amount"' not in bill_page.content.decode()
    assert client.post(
        reverse("admin:billing_payment_delete", args=[world["payment"].pk]), {"post": "yes"}
    ).status_code == 403  # fmt: skip
    receipt_page = client.get(reverse("admin:billing_receipt_change", args=[world["receipt"].pk]))
    assert receipt_page.status_code == 200
