"""Finding 13: starting online payments is counted per account; a refusal keeps the choice."""

import pytest
from django.urls import reverse

from billing.models import Payment

pytestmark = [pytest.mark.django_db, pytest.mark.req("BIL-3")]


def test_payment_starts_are_counted_per_account(
    client, resident, published_bill, settings, start_of_an_hour
):
    settings.LINLI_ACTION_LIMITS = {
        **getattr(settings, "LINLI_ACTION_LIMITS", {}),
        "payment_start": {"user": ["2/h"], "ip": ["100/h"]},
    }
    client.force_login(resident)
    data = {"bills": [published_bill.pk], "method": "card"}
    for attempt in range(2):
        assert client.post(reverse("billing:pay"), data).status_code == 302, attempt
    response = client.post(reverse("billing:pay"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "操作过于频繁" in body
    assert f'value="{published_bill.pk}"' in body and "checked" in body, "the choice stays"
    assert Payment.objects.count() == 1, "the same bills twice are one payment"
