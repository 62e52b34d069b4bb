"""A second price on the same date no longer silently replaces the first (issue 19): refused on
the form with the date kept, and by the service."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services

pytestmark = pytest.mark.django_db


@pytest.mark.req("PSET-1")
def test_a_second_price_on_the_same_day_is_refused_on_the_form(client_for, manager, property_rule):
    url = reverse("billing_staff:price_add", args=[property_rule.pk])
    client = client_for(manager)
    assert client.post(url, {"valid_from": "2031-01-01", "unit_price": "3.10"}).status_code == 302

    response = client.post(url, {"valid_from": "2031-01-01", "unit_price": "3.30"})

    assert response.status_code == 400
    form = response.context["price_form"]
    assert "2031-01-01" in " ".join(form.errors["valid_from"])
    assert "同一天不能再设第二个价格" in response.content.decode()
    assert form["unit_price"].value() == "3.30"
    assert property_rule.prices.get(valid_from=dt.date(2031, 1, 1)).unit_price == Decimal("3.10")


@pytest.mark.req("PSET-1")
def test_the_service_refuses_a_second_price_on_the_same_day(manager, property_rule):
    services.price_set(rule=property_rule, valid_from=dt.date(2031, 1, 1),
                       unit_price=Decimal("3.10"), actor=manager)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.price_set(rule=property_rule, valid_from=dt.date(2031, 1, 1),
                           unit_price=Decimal("3.30"), actor=manager)  # fmt: skip
    assert "valid_from" in error.value.message_dict
    assert property_rule.prices.get(valid_from=dt.date(2031, 1, 1)).unit_price == Decimal("3.10")
