"""The receipt on the phone (BIL-4): company, community, room, payer, items with periods,
the total in figures and in 大写, method, time and number, with the PDF one tap away."""

import datetime as dt
import struct

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.online import services as online
from kit.templatetags.periods import period_label

from ..factories import ResidencyFactory, RoomFactory
from .test_resident_bills import make_bill


@pytest.fixture
def receipt(room, cashier):
    """A payment of 1,234.50 for two bills, one of them 10 days overdue (late fee 2.50)."""
    today = timezone.localdate()
    late = make_bill(room, kind="property", amount="500.00", due_date=today - dt.timedelta(days=10))
    water = make_bill(room, kind="water", amount="732.00")
    payment = services.counter_payment(
        bills=[late, water], method="transfer", cashier=cashier, payer_name="张伟"
    )
    return payment.receipt


@pytest.mark.req("BIL-4")
def test_receipt_page_shows_everything_on_the_receipt(client_for, resident, room, receipt):
    response = client_for(resident).get(reverse("billing:receipt", args=[receipt.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    payment = receipt.payment
    assert payment.amount.to_eng_string() == "1234.50"
    assert "¥1,234.50" in body
    assert "壹仟贰佰叁拾肆元伍角整" in body
    assert receipt.display_number in body
    assert receipt.company.name in body
    assert room.building.community.name in body and room.label in body
    assert "张伟" in body
    assert payment.get_method_display() in body
    assert f"{timezone.localtime(payment.paid_at):%Y.%m.%d %H:%M}" in body
    for item in payment.items.all():
        assert item.bill.title in body
        assert period_label(item.bill.period_start, item.bill.period_end) in body
    assert "¥2.50" in body  # the late fee, on its own line
    assert reverse("billing:receipt_pdf", args=[receipt.pk]) in body


@pytest.mark.req("BIL-4")
def test_family_member_sees_the_receipt(client_for, family_member, receipt):
    response = client_for(family_member).get(reverse("billing:receipt", args=[receipt.pk]))
    assert response.status_code == 200


@pytest.mark.req("BIL-4")
def test_other_households_receipt_is_404(client_for, outsider, room, receipt):
    neighbour_room = RoomFactory(building=room.building, number="1204", floor=12)
    neighbour = ResidencyFactory(room=neighbour_room).user
    for user in (outsider, neighbour):
        response = client_for(user).get(reverse("billing:receipt", args=[receipt.pk]))
        assert response.status_code == 404
    assert client_for(outsider).get(reverse("billing:receipt", args=[999999])).status_code == 404


def test_refunded_receipt_says_so(client_for, resident, receipt, manager):
    online.refund_payment(payment=receipt.payment, actor=manager, reason="重复缴费")
    body = client_for(resident).get(reverse("billing:receipt", args=[receipt.pk])).content
    assert b'class="receipt-stamp"' in body and b'class="receipt-stamp is-paid"' not in body


# --- The receipt as an image, for WeChat on Android (issue 20) --------------------------------

WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN"
)
WECHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.req("BIL-4")
def test_receipt_image_is_a_png_of_the_pdf(client_for, resident, family_member, receipt):
    url = reverse("billing:receipt_png", args=[receipt.pk])
    for user in (resident, family_member):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-cache"
        image = response.content
        assert image.startswith(PNG_SIGNATURE)
        width, height = struct.unpack(">II", image[16:24])  # the IHDR chunk
        assert width == 1080 and height > width  # an A5 page, upright, sharp on a phone
        assert 10_000 < len(image) < 400_000


@pytest.mark.req("BIL-4", "X-1")
def test_receipt_image_of_another_household_or_company_is_404(client_for, outsider, room, receipt):
    url = reverse("billing:receipt_png", args=[receipt.pk])
    neighbour_room = RoomFactory(building=room.building, number="1204", floor=12)
    neighbour = ResidencyFactory(room=neighbour_room).user  # same community, another household
    for user in (outsider, neighbour):  # the outsider lives in another company's community
        assert client_for(user).get(url).status_code == 404
    assert (
        client_for(outsider).get(reverse("billing:receipt_png", args=[999999])).status_code == 404
    )


@pytest.mark.req("BIL-4")
def test_receipt_page_in_android_wechat_shows_the_image(client_for, resident, receipt):
    client = client_for(resident)
    page = reverse("billing:receipt", args=[receipt.pk])
    image_url = reverse("billing:receipt_png", args=[receipt.pk])
    pdf_url = reverse("billing:receipt_pdf", args=[receipt.pk])
    body = client.get(page, headers={"user-agent": WECHAT_ANDROID}).content.decode()
    assert "<title>收据</title>" in body and 'class="app-bar' not in body  # WeChat's bar says it
    assert f'<img src="{image_url}"' in body and f'href="{image_url}"' in body
    assert "长按" in body  # the hint: tap to enlarge, press and hold to save
    assert f'href="{pdf_url}?download=1"' in body  # the PDF is still there
    # iOS WeChat shows a PDF, and so does every other browser: the PDF button as before.
    for agent in (WECHAT_IOS, "Mozilla/5.0 (Linux; Android 13) Chrome/116.0.0.0 Mobile"):
        body = client.get(page, headers={"user-agent": agent}).content.decode()
        assert image_url not in body
        assert f'href="{pdf_url}"' in body
