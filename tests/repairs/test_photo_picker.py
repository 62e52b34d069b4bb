"""The photo picker of the resident forms (templates/resident/_photo_picker.html): the limits it
checks on the phone are the server's own, every form that takes a photo uses it, a refused form
asks for the files back only where they were not the problem, and the server still refuses what
the phone should have held back. The phone's side (shrinking, refusing, keeping) is in
tests/browser/test_photo_picker_journey.py."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from kit import images, parameters, uploads
from repairs.models import RepairOrder

from ..factories import photo_upload

PICKER = re.compile(r'<div class="media-picker[^"]*"([^>]*)>')


def pickers(response) -> dict[str, dict[str, str]]:
    """The pickers of a page by data-media, each with its data-* attributes."""
    found = {}
    for attributes in PICKER.findall(response.content.decode()):
        data = dict(re.findall(r'data-([a-z-]+)(?:="([^"]*)")?', attributes))
        found[data["media"]] = data
    return found


def huge_jpeg(name: str = "huge.jpg") -> SimpleUploadedFile:
    """One byte over the server's limit for a photo."""
    return SimpleUploadedFile(name, b"\xff\xd8\xff" + b"0" * images.MAX_UPLOAD_BYTES, "image/jpeg")


@pytest.fixture
def report(community, resident):
    """A report that is complete but for what a test leaves out."""
    from django.utils import timezone

    residency = resident.residencies.get()
    return {
        "category": community.repair_categories.first().pk,
        "place": residency.pk,
        "description": "厨房水龙头一直滴水。",
        "day": (timezone.localdate() + timezone.timedelta(days=1)).isoformat(),
        "slot": community.repair_time_slots.order_by("start").first().pk,
        "contact_name": "张伟",
        "contact_phone": "13900000001",
    }


@pytest.mark.req("REP-3")
def test_the_pickers_limits_are_the_servers_settings(client_for, resident, operator):
    for key, value in (("uploads.max_photos", 4), ("uploads.max_videos", 2),
                       ("uploads.max_video_mb", 20)):  # fmt: skip
        parameters.parameter_set(key=key, value=value, actor=operator)
    response = client_for(resident).get(reverse("repairs:create"))
    found = pickers(response)
    assert found["photos"]["max"] == str(uploads.photo_limit()) == "4"
    assert found["photos"]["max-bytes"] == str(images.MAX_UPLOAD_BYTES)
    assert found["photos"]["max-side"] == "2048"  # shrunk on the phone first
    assert found["videos"]["max"] == str(uploads.video_limit()) == "2"
    assert found["videos"]["max-bytes"] == str(uploads.video_bytes_limit()) == str(20 * uploads.MB)
    assert found["videos"]["max-side"] == "0"  # sent as they are
    body = response.content.decode()
    assert "最多4张照片和2段短视频（每段不超过20 MB" in body
    assert "/4</span>" in body and "/2</span>" in body
    assert "shared/photo-picker.js" in body
    # The phone says the same as the server would, in Chinese.
    assert (
        found["photos"]["msg-too-large"]
        == "「%(name)s」太大了（最多 %(size)d MB），请选择小一点的照片。"
    )


@pytest.mark.req("REP-3")
def test_without_videos_there_is_no_video_picker(client_for, resident, operator):
    parameters.parameter_set(key="uploads.max_videos", value=0, actor=operator)
    response = client_for(resident).get(reverse("repairs:create"))
    assert set(pickers(response)) == {"photos"}
    assert 'name="videos"' not in response.content.decode()


@pytest.mark.req("ACC-4", "CMP-1")
@pytest.mark.parametrize(
    ("url", "kind", "count"),
    [("accounts:profile_edit", "avatar", "1"), ("accounts:room_bind", "proof", "1"),
     ("complaints:create", "photos", str(uploads.MAX_PHOTOS))],
)  # fmt: skip
def test_avatar_proof_and_complaint_use_the_same_picker(client_for, resident, url, kind, count):
    response = client_for(resident).get(reverse(url))
    assert response.status_code == 200
    assert "resident/_photo_picker.html" in [t.name for t in response.templates]
    found = pickers(response)
    assert found[kind]["max"] == count
    assert found[kind]["max-bytes"] == str(images.MAX_UPLOAD_BYTES)
    body = response.content.decode()
    assert "shared/photo-picker.js" in body
    assert ('type="file"' in body) and ("multiple" in body) == (count != "1")


@pytest.mark.req("REP-3")
def test_a_form_refused_for_another_field_asks_the_picker_to_put_its_photos_back(
    client_for, resident, report
):
    response = client_for(resident).post(
        reverse("repairs:create"), {**report, "description": "", "photos": [photo_upload()]}
    )
    assert response.status_code == 400
    found = pickers(response)
    assert "restore" in found["photos"] and "restore" in found["videos"]
    # Without the script (or where the phone cannot keep them), the old request stays.
    assert escape(_("Please choose your photos again.")) in response.content.decode()


@pytest.mark.req("REP-3")
def test_a_refused_photo_is_not_put_back(client_for, resident, report):
    response = client_for(resident).post(
        reverse("repairs:create"), {**report, "photos": [huge_jpeg()]}
    )
    assert response.status_code == 400
    assert "restore" not in pickers(response)["photos"]
    assert "huge.jpg" in response.context["form"].errors["photos"][0]
    assert RepairOrder.objects.count() == 0


@pytest.mark.req("REP-3", "CMP-1")
@pytest.mark.parametrize("url", ["repairs:create", "complaints:create"])
def test_the_server_still_refuses_a_photo_over_its_limit(client_for, resident, report, url):
    """The phone holds these back, but the server does not count on it."""
    client = client_for(resident)
    response = client.post(reverse(url), {**report, "details": "楼上噪音", "photos": [huge_jpeg()]})
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["photos"]


@pytest.mark.req("ACC-4")
def test_the_server_still_refuses_a_proof_over_its_limit(client_for, resident, room):
    data = {
        "community": room.building.community_id, "building": room.building_id,
        "unit": room.unit_id or "", "room": room.pk, "relation": "owner", "real_name": "张伟",
        "proof": huge_jpeg(),
    }  # fmt: skip
    response = client_for(resident).post(reverse("accounts:room_bind"), data)
    assert response.context["form"].errors["proof"]


@pytest.mark.req("REP-3")
def test_the_orders_photos_open_in_the_viewer(client_for, resident, make_order):
    order = make_order(photos=2)
    body = client_for(resident).get(reverse("repairs:detail", args=[order.pk])).content.decode()
    assert body.count("data-viewer>") == 2 and "data-gallery" in body
    script = re.search(r'<script src="[^"]*shared/photo-viewer\.js"[^>]*>', body).group(0)
    library = re.search(r'data-photoswipe="/static/([^"]+)"', script).group(1)
    assert library == "vendor/photoswipe/umd/photoswipe.umd.min.js" and finders.find(library)
    assert f'data-full-side="{uploads.PHOTO_MAX_SIDE}"' in script
