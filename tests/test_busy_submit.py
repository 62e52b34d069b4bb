"""The busy state of submit buttons (issue 13): one shared script, served from our own static
files (no CDN), in the head of every layout, with its text translated. Its behaviour in a
browser is checked in tests/browser/test_payments_journey.py."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

SCRIPT = Path(settings.BASE_DIR) / "static" / "shared" / "busy-submit.js"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [("resident", "billing:bills"), ("manager", "staff:home"), (None, "account_login")],
)
def test_every_layout_loads_the_busy_script(request, client, who, url):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(url), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'shared/busy-submit.js" data-busy-text="处理中…" defer' in page


def test_the_script_is_ours_and_standalone():
    text = SCRIPT.read_text()
    assert "http" not in text.split("*/", 1)[1]  # nothing fetched from elsewhere
    assert "submitter" in text and "pageshow" in text and "htmx:beforeRequest" in text
