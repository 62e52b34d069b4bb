"""长辈模式 at 200 % text (issue 20): every resident page, in large-text mode with the root font
size doubled, at 375×812 in Chromium. Nothing may stick out sideways: no horizontal scrolling
and no visible element wider than the phone.

The pages come from the URLconf (the resident portal's includes at the site root), so a new
resident page is checked without editing this file; a page whose URL needs an object this
test does not know fails with the name of the missing argument."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.middleware import LARGE_TEXT_COOKIE
from billing.online import services as online
from kit.images import avatar_from_upload
from notices.models import Notice
from staff.positions import TECHNICIAN

from ..factories import (
    CommunityFactory,
    MessageFactory,
    RepairOrderFactory,
    StaffMemberFactory,
    build_community_world,
    photo_upload,
)

# Root includes that are not the resident portal.
NOT_RESIDENT = ("admin/", "accounts/", "i18n/", "staff/", "provider/", "invitations/", "sandbox/")

# Everything in the page that reaches past the right edge (or the left), unless an ancestor
# that fits clips it (a scrolling strip of chips, say).
OVERFLOW = """() => {
  const width = window.innerWidth, wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const edge = up.getBoundingClientRect();
      if (getComputedStyle(up).overflowX !== 'visible' && edge.right <= width + 1 && edge.left >= -1) {
        clipped = true; break;
      }
    }
    if (!clipped) wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5),
          large: document.documentElement.classList.contains('large-text')};
}"""


def resident_routes():
    """(name, pattern) of every resident URL: the site-root includes of the portal."""
    for include in get_resolver().url_patterns:
        if not isinstance(include, URLResolver) or str(include.pattern) in NOT_RESIDENT:
            continue
        if str(include.pattern) != "":
            continue
        for pattern in include.url_patterns:
            assert isinstance(pattern, URLPattern), pattern
            yield f"{include.namespace}:{pattern.name}", pattern


@pytest.fixture
def world(transactional_db, positions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    community = CommunityFactory(name="翠湖花园")
    world = build_community_world(community)
    owner = world["owner"]
    Notice.objects.filter(pk=world["notice"].pk).update(
        status=Notice.Status.PUBLISHED, published_at=timezone.now(), publish_at=timezone.now()
    )
    payment, _checkout = online.payment_start(
        bills=[world["bill"]], method="wechat", payer=owner.user, client=online.Client()
    )
    order = world["repair_order"]
    message = MessageFactory(
        recipient=owner.user,
        object_type=ContentType.objects.get_for_model(order),
        object_id=str(order.pk),
    )
    # The images behind the image URLs (the pass below leaves them out as not HTML).
    owner.user.avatar.save("a.jpg", avatar_from_upload(photo_upload()))
    owner.proof.save("proof.jpg", photo_upload())
    technician = StaffMemberFactory(communities=[community], position_name=TECHNICIAN).user
    technician.avatar.save("t.jpg", avatar_from_upload(photo_upload()))
    dispatched = RepairOrderFactory(
        household=owner, status="assigned", technician=technician.staff_member,
        assigned_at=timezone.now(), accepted_at=timezone.now(),
    )  # fmt: skip
    owner.user.large_text = True
    owner.user.save(update_fields=["large_text"])
    arguments = {
        "notice_id": world["notice"].pk,
        "attachment_id": world["attachment"].pk,
        "message_id": message.pk,
        "order_id": order.pk,
        "repair_file_id": world["repair_file"].pk,
        "bill_id": world["bill"].pk,
        "receipt_id": world["receipt"].pk,
        "number": payment.number,
        "method": "wechat",
        "token": world["receipt"].token,
        "provider_id": world["service_provider"].pk,
        "booking_id": world["booking"].pk,
        "review_photo_id": world["service_review_photo"].pk,
        "item_id": world["provider"].items.first().pk,
        "activity_id": world["activity"].pk,
        "signup_id": world["activity_signup"].pk,
        "complaint_id": world["complaint"].pk,
        "complaint_file_id": world["complaint_file"].pk,
        "suggestion_id": world["suggestion"].pk,
        "user_id": owner.user_id,
        "residency_id": owner.pk,
        "level": "building",
        "invitation_id": world["invitation"].pk,
    }
    per_url = {"repairs:technician_photo": {"order_id": dispatched.pk}}
    return owner.user, arguments, per_url


def html_pages(user, arguments, per_url):
    """The resident URLs that answer a GET with a whole HTML page (not an action, a file,
    an image or an htmx fragment)."""
    client = Client()
    client.force_login(user)
    pages, refused = [], []
    for name, pattern in resident_routes():
        missing = [key for key in pattern.pattern.converters if key not in arguments]
        assert not missing, f"{name}: give this test an object for {missing}"
        kwargs = {key: arguments[key] for key in pattern.pattern.converters}
        kwargs.update(per_url.get(name, {}))
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code in (405, 302):  # an action, or a link that leads elsewhere
            continue
        if response.status_code != 200:
            refused.append(f"{name} {url} {response.status_code}")
            continue
        if response["Content-Type"].startswith("text/html") and b"<html" in response.content:
            pages.append(url)
    assert not refused, refused
    return pages


def test_every_resident_page_fits_the_phone_at_200_percent_text(open_page, live_server, world):
    user, arguments, per_url = world
    pages = html_pages(user, arguments, per_url)
    assert len(pages) > 25, pages
    page = open_page("phone", user)
    broken = []
    for url in pages + [reverse("account_change_password")]:
        page.goto(live_server.url + url)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        found = page.evaluate(OVERFLOW)
        assert found["large"], f"{url}: no large-text class"
        if found["scroll"] > found["width"] or found["wide"]:
            broken.append((url, found["scroll"], found["wide"]))
    assert not broken, broken

    # Logged out, the cookie keeps the login page large.
    kept = [c for c in page.context.cookies() if c["name"] == LARGE_TEXT_COOKIE]
    assert kept and kept[0]["value"] == "1"
    page.context.clear_cookies()
    page.context.add_cookies(kept)
    page.goto(live_server.url + reverse("account_login"))
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    found = page.evaluate(OVERFLOW)
    assert found["large"] and found["scroll"] <= found["width"] and not found["wide"], found
