"""Findings 6 and 13: a repair report with bomb photos is refused before any is decoded, the
photos of one report are bounded together, and reports are counted per account. Every
refusal keeps what was typed (400, the form again) and stores nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ImageFile

from accounts.models import Residency
from repairs.models import RepairAttachment, RepairOrder
from tests.accounts.test_upload_bounds import png_claiming, real_png

pytestmark = pytest.mark.django_db

DESCRIPTION = "厨房水龙头一直滴水，昨晚开始的。"


@pytest.fixture
def residency(resident, room):
    return Residency.objects.get(user=resident, room=room)


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def form_data(residency, community):
    return {
        "category": community.repair_categories.get(name="水电故障").pk,
        "place": residency.pk,
        "public_area": "",
        "description": DESCRIPTION,
        "day": tomorrow(),
        "slot": community.repair_time_slots.order_by("start").first().pk,
        "contact_name": "张伟",
        "contact_phone": "13900000001",
    }


@pytest.fixture
def decoding(monkeypatch):
    decoded = []
    original = ImageFile.ImageFile.load

    def load(image):
        if image.tile and image.format == "PNG":  # an upload's pixels, not yet decoded
            decoded.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


def report(client, data, photos=()):
    return client.post(reverse("repairs:create"), {**data, "photos": list(photos)})


def assert_refused(response, piece):
    assert response.status_code == 400
    body = response.content.decode()
    assert DESCRIPTION in body, "what was typed stays"
    assert piece in body, piece
    assert RepairOrder.objects.count() == 0
    assert RepairAttachment.objects.count() == 0


@pytest.mark.req("REP-3")
def test_nine_bomb_photos_are_refused_before_any_is_decoded(
    client_for, resident, form_data, decoding
):
    bomb = png_claiming(8_000, 7_000)  # 56 MP in a few bytes
    photos = [SimpleUploadedFile(f"炸弹{n}.png", bomb, "image/png") for n in range(9)]
    response = report(client_for(resident), form_data, photos)
    assert_refused(response, "像素")
    assert "炸弹0.png" in response.content.decode(), "the file is named"
    assert decoding == []


@pytest.mark.req("REP-3")
def test_the_photos_of_one_report_are_bounded_together(client_for, resident, form_data, decoding):
    # Each 15 MP photo alone is fine; nine of them are 135 MP.
    photo = real_png(5_000, 3_000)
    photos = [SimpleUploadedFile(f"p{n}.png", photo, "image/png") for n in range(9)]
    response = report(client_for(resident), form_data, photos)
    assert_refused(response, "照片合计过大")
    assert sum(w * h for w, h in decoding) <= 120_000_000


@pytest.mark.req("REP-1")
def test_reports_are_counted_per_account(
    client_for, resident, form_data, settings, start_of_an_hour
):
    settings.LINLI_ACTION_LIMITS = {
        **getattr(settings, "LINLI_ACTION_LIMITS", {}),
        "repair_report": {"user": ["2/h"], "ip": ["100/h"]},
    }
    client = client_for(resident)
    form_data = {**form_data, "day": tomorrow()}  # the clock moved
    for attempt in range(2):
        response = report(client, {**form_data, "description": f"第{attempt}处漏水"})
        assert response.status_code == 302, attempt
    RepairOrder.objects.all().delete()
    response = report(client, form_data)
    assert_refused(response, "操作过于频繁")
