"""Results on the resident portal come as toasts (issue 20): successes in a role=status
region, errors in a role=alert one that stays; every resident page has both regions from the
start, so that screen readers announce what is put in them later."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import reverse


def regions(html: str) -> tuple[str, str]:
    polite = html.split('role="status"', 1)[1].split('role="alert"', 1)[0]
    assertive = html.split('role="alert"', 1)[1]
    return polite, assertive


def test_successes_are_status_and_errors_alerts_that_stay():
    html = render_to_string(
        "resident/_toasts.html",
        {
            "messages": [
                Message(constants.SUCCESS, "已提交"),
                Message(constants.ERROR, "支付未完成"),
            ]
        },
    )
    polite, assertive = regions(html)
    assert "已提交" in polite and "支付未完成" not in polite
    assert "支付未完成" in assertive and "data-toast-stay" in assertive
    assert 'aria-live="polite"' in html and 'aria-live="assertive"' in html
    assert html.count('data-toast-close aria-label="') == 2
    assert "shared/toast.js" in html


@pytest.mark.django_db
def test_every_resident_page_has_the_toast_regions(client, resident):
    client.force_login(resident)
    page = client.get(reverse("billing:bills")).content.decode()
    assert page.count("data-toast-region=") == 2
    assert 'class="alert ' not in page.split("<main", 1)[0], "no alert above the page any more"
    # Above the tab bar: the toasts come after it on the page (linli.css places them).
    assert page.index('class="tab-bar"') < page.index("data-toasts")
