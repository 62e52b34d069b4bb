"""Reporting a fault from the phone (REP-1…REP-4): the form, its uploads and every refusal."""

import datetime as dt
import io

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import Image

from accounts.models import Residency
from repairs.models import RepairAttachment, RepairOrder, TimeSlot

from ..factories import (
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    photo_upload,
    video_upload,
)

DESCRIPTION = "厨房水龙头一直滴水，昨晚开始的。"


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def category(community):
    return community.repair_categories.get(name="水电故障")


@pytest.fixture
def slot(community):
    return community.repair_time_slots.order_by("start").first()


@pytest.fixture
def form_data(residency, category, slot):
    return {
        "category": category.pk,
        "place": residency.pk,
        "public_area": "",
        "description": DESCRIPTION,
        "day": tomorrow(),
        "slot": slot.pk,
        "contact_name": "张伟",
        "contact_phone": "13900000001",
    }


def post(client, data, **extra):
    return client.post(reverse("repairs:create"), data, **extra)


def assert_refused(response, *pieces):
    """A 400 that keeps what was typed, names the problem, and stores nothing."""
    assert response.status_code == 400
    body = response.content.decode()
    assert DESCRIPTION in body
    for piece in pieces:
        assert piece in body, piece
    # Every refusal is on the page, next to its field.
    for messages in response.context["form"].errors.values():
        for message in messages:
            assert escape(message) in body, message
    assert RepairOrder.objects.count() == 0
    assert RepairAttachment.objects.count() == 0


@pytest.mark.req("REP-1")
def test_form_offers_the_communitys_categories_rooms_days_and_slots(
    client_for, resident, residency, community
):
    response = client_for(resident).get(reverse("repairs:create"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("水电故障", "门窗损坏", "电梯问题", "公共设施"):
        assert name in body
    assert "漏水、停水、跳闸、插座不通电" in body  # the hint
    assert "bi-droplet" in body
    assert residency.room.label in body
    form = response.context["form"]
    # The only room is preselected; contact prefilled from the user.
    assert form.initial["place"] == str(residency.pk)
    assert form.initial["contact_name"] == "张伟"
    assert form.initial["contact_phone"] == "13900000001"
    days = [value for value, _label in form.fields["day"].choices]
    assert days[0] == timezone.localdate().isoformat() and len(days) == 7
    labels = [label for _value, label in form.fields["day"].choices]
    assert labels[0].startswith(str(_("Today"))) and labels[1].startswith(str(_("Tomorrow")))
    assert formats.date_format(timezone.localdate() + dt.timedelta(days=3), "l") in labels[3]
    assert labels[0] in body
    assert "09:00–12:00" in body
    assert 'accept="image/*"' in body and "multiple" in body


@pytest.mark.req("REP-3")
def test_report_with_photos_and_video_is_stored_without_exif(
    client_for, resident, residency, form_data
):
    data = {
        **form_data,
        "photos": [photo_upload("leak1.jpg"), photo_upload("leak2.png", image_format="PNG")],
        "videos": [video_upload("drip.mp4"), video_upload("drip.mov", brand=b"qt  ")],
    }
    response = post(client_for(resident), data)
    order = RepairOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:detail", args=[order.pk])
    assert order.description == DESCRIPTION
    assert order.room == residency.room and order.household == residency
    assert order.reporter == resident and order.status == RepairOrder.Status.PENDING
    photos = order.attachments.filter(kind="image")
    videos = order.attachments.filter(kind="video")
    assert photos.count() == 2 and videos.count() == 2
    assert sorted(videos.values_list("content_type", flat=True)) == ["video/mp4", "video/quicktime"]
    for photo in photos:
        with photo.file.open("rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG"
        assert not image.getexif()  # camera and GPS gone
        assert photo.thumbnail
        assert "leak" not in photo.file.name  # random stored name


@pytest.mark.req("REP-2")
@pytest.mark.req("REP-4")
def test_appointment_and_contact_are_kept(client_for, resident, form_data, slot):
    post(
        client_for(resident),
        {**form_data, "contact_name": "张先生", "contact_phone": "0755-1234567"},
    )
    order = RepairOrder.objects.get()
    start = timezone.localtime(order.appointment_start)
    assert start.date().isoformat() == tomorrow() and start.time() == slot.start
    assert timezone.localtime(order.appointment_end).time() == slot.end
    assert (order.contact_name, order.contact_phone) == ("张先生", "0755-1234567")


def test_upload_script_gets_the_address_to_go_to(client_for, resident, form_data):
    response = post(client_for(resident), form_data, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    order = RepairOrder.objects.get()
    assert response.status_code == 200
    assert response.json() == {"redirect": reverse("repairs:detail", args=[order.pk])}


@pytest.mark.req("REP-1")
def test_public_area_needs_a_place_and_is_reported_without_a_room(client_for, resident, form_data):
    client = client_for(resident)
    response = post(client, {**form_data, "place": "public", "public_area": ""})
    assert_refused(response)
    assert response.context["form"].errors["public_area"]
    post(client, {**form_data, "place": "public", "public_area": "3栋大堂"})
    order = RepairOrder.objects.get()
    assert order.room is None and order.public_area == "3栋大堂" and order.place == "3栋大堂"


@pytest.mark.req("REP-2")
def test_description_is_required(client_for, resident, form_data):
    response = post(client_for(resident), {**form_data, "description": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [_("Please describe the fault.")]
    assert RepairOrder.objects.count() == 0


@pytest.mark.req("REP-3")
def test_oversized_photo_is_refused(client_for, resident, form_data, monkeypatch):
    monkeypatch.setattr("kit.images.MAX_UPLOAD_BYTES", 1024)
    response = post(client_for(resident), {**form_data, "photos": [photo_upload("big.jpg")]})
    assert_refused(response, "big.jpg", "MB")
    assert response.context["form"].errors["photos"]


@pytest.mark.req("REP-3")
def test_oversized_video_is_refused(client_for, resident, form_data, monkeypatch):
    monkeypatch.setattr("kit.uploads.MAX_VIDEO_BYTES", 1024)
    response = post(
        client_for(resident), {**form_data, "videos": [video_upload("long.mp4", size=4096)]}
    )
    assert_refused(response, "long.mp4")
    assert response.context["form"].errors["videos"]


@pytest.mark.req("REP-3")
def test_text_file_named_jpg_is_refused(client_for, resident, form_data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("leak.jpg", b"just some text, not a photo", content_type="image/jpeg")
    response = post(client_for(resident), {**form_data, "photos": [photo_upload("ok.jpg"), fake]})
    assert_refused(response, "leak.jpg")
    assert response.context["form"].errors["photos"]


@pytest.mark.req("REP-3")
@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
        b"<html><script>alert(1)</script></html>" + b" " * 64,
    ],
    ids=["executable", "html"],
)
def test_non_video_named_mp4_is_refused(client_for, resident, form_data, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("clip.mp4", content, content_type="video/mp4")
    response = post(client_for(resident), {**form_data, "videos": [fake]})
    assert_refused(response, "clip.mp4", "MP4")
    assert response.context["form"].errors["videos"]


@pytest.mark.req("REP-3")
def test_more_than_nine_photos_is_refused(client_for, resident, form_data):
    photos = [photo_upload(f"p{n}.jpg", size=(40, 30)) for n in range(10)]
    response = post(client_for(resident), {**form_data, "photos": photos})
    assert_refused(response, "9")
    assert response.context["form"].errors["photos"]


@pytest.mark.req("REP-3")
def test_more_than_three_videos_is_refused(client_for, resident, form_data):
    videos = [video_upload(f"v{n}.mp4") for n in range(4)]
    response = post(client_for(resident), {**form_data, "videos": videos})
    assert_refused(response, "3")
    assert response.context["form"].errors["videos"]


def test_refusal_says_files_must_be_chosen_again(client_for, resident, form_data):
    response = post(
        client_for(resident),
        {**form_data, "contact_phone": "", "photos": [photo_upload("ok.jpg")]},
    )
    assert_refused(response)
    assert response.context["form"].files_were_sent
    body = response.content.decode()
    # The photo picker puts them back on the phone; without it, it asks for them again.
    assert "data-restore" in body
    assert escape(_("Please choose your photos again.")) in body
    assert response.context["form"]["contact_name"].value() == "张伟"


@pytest.mark.req("REP-4")
def test_slot_that_has_passed_today_is_refused(client_for, resident, community, form_data):
    late = TimeSlot.objects.create(community=community, start=dt.time(0, 0), end=dt.time(0, 1))
    response = post(
        client_for(resident),
        {**form_data, "day": timezone.localdate().isoformat(), "slot": late.pk},
    )
    assert_refused(response)
    assert response.context["form"].errors["slot"]


@pytest.mark.req("REP-4")
def test_day_beyond_seven_days_is_refused(client_for, resident, form_data):
    far = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = post(client_for(resident), {**form_data, "day": far})
    assert_refused(response)
    assert response.context["form"].errors["day"]


@pytest.mark.req("REP-4")
def test_full_slot_is_refused(client_for, resident, form_data, slot, make_order):
    slot.capacity = 1
    slot.save()
    make_order()  # takes tomorrow's first slot
    response = post(client_for(resident), form_data)
    assert response.status_code == 400
    assert response.context["form"].errors["slot"]
    assert RepairOrder.objects.count() == 1


@pytest.mark.req("REP-1")
def test_category_of_another_community_is_refused(client_for, resident, form_data, other_community):
    foreign = other_community.repair_categories.first()
    response = post(client_for(resident), {**form_data, "category": foreign.pk})
    assert_refused(response)
    assert response.context["form"].errors["category"]


def test_room_of_someone_else_is_refused(client_for, resident, form_data, outsider):
    theirs = Residency.objects.get(user=outsider)
    response = post(client_for(resident), {**form_data, "place": theirs.pk})
    assert_refused(response)
    assert response.context["form"].errors["place"]


def test_several_communities_each_with_their_own_categories(
    client_for, resident, form_data, other_community
):
    second_room = RoomFactory(building__community=other_community, number="302")
    second = ResidencyFactory(room=second_room, user=resident)
    client = client_for(resident)
    first_page = client.get(reverse("repairs:create"))
    assert len(first_page.context["communities"]) == 2
    url = reverse("repairs:create") + f"?community={other_community.pk}"
    page = client.get(url)
    assert page.context["community"] == other_community
    assert second_room.label in page.content.decode()
    # A category of the first community is refused in the second one.
    response = client.post(url, {**form_data, "place": second.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["category"]
    theirs = other_community.repair_categories.first()
    slot = other_community.repair_time_slots.first()
    response = client.post(url, {**form_data, "place": second.pk, "category": theirs.pk,
                                  "slot": slot.pk})  # fmt: skip
    assert response.status_code == 302
    assert RepairOrder.objects.get().community == other_community


def test_user_without_a_verified_room_is_sent_to_the_list(client_for, db):
    from ..factories import UserFactory

    response = client_for(UserFactory()).get(reverse("repairs:create"))
    assert response.status_code == 302 and response["Location"] == reverse("repairs:list")


def test_family_member_reports_for_the_household(client_for, family_member, room, form_data):
    theirs = Residency.objects.get(user=family_member)
    response = post(client_for(family_member), {**form_data, "place": theirs.pk})
    assert response.status_code == 302
    order = RepairOrder.objects.get()
    assert order.household == theirs.head and order.reporter == family_member


@pytest.mark.req("REP-1")
def test_an_order_number_already_taken_today_is_drawn_again(
    client_for, resident, residency, form_data, monkeypatch
):
    """The number's random part (6 hex digits a day) clashes about once a day among 6,000
    orders: the report goes through with another number, nothing typed is lost."""
    import repairs.models

    taken = RepairOrderFactory(household=residency).number
    drawn = iter([taken, taken, "BX991231ABCDEF"])
    monkeypatch.setattr(repairs.models, "new_order_number", lambda when: next(drawn))
    response = post(client_for(resident), form_data)
    order = RepairOrder.objects.exclude(number=taken).get()
    assert response.status_code == 302
    assert order.number == "BX991231ABCDEF" and order.description == DESCRIPTION

    # Every draw taken: refused as before, not looping.
    monkeypatch.setattr(repairs.models, "new_order_number", lambda when: taken)
    with pytest.raises(IntegrityError):
        RepairOrderFactory(household=residency)
