"""Following an order from the phone: status, timeline, technician and position (REP-5,
REP-6), cancelling, rating (REP-7), the files, and who may see any of it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from accounts.models import Residency
from notices.models import Message
from repairs import services
from repairs.models import RepairOrder, RepairRating, TechnicianPosition

from ..factories import ResidencyFactory, RoomFactory, photo_upload, video_upload

Status = RepairOrder.Status


def detail(client, order):
    return client.get(reverse("repairs:detail", args=[order.pk]))


def live(client, order, status=""):
    return client.get(reverse("repairs:live", args=[order.pk]), {"status": status})


def record_position(order, technician_member, lat=22.543096, lng=114.057865):
    return services.position_record(
        order=order, technician=technician_member, latitude=lat, longitude=lng, accuracy=15
    )


@pytest.fixture
def neighbour(community):
    """Another household of the same community."""
    room = RoomFactory(building=RoomFactory(building__community=community).building, number="1502")
    return ResidencyFactory(room=room, user__display_name="赵敏").user


# --- Status, stepper, timeline ------------------------------------------------------------------


@pytest.mark.req("REP-5")
def test_pending_order_shows_status_stepper_and_report(client_for, resident, make_order):
    order = make_order("pending", photos=2)
    response = detail(client_for(resident), order)
    assert response.status_code == 200
    body = response.content.decode()
    assert order.number in body and escape(order.description) in body
    assert escape(str(Status.PENDING.label)) in body
    steps = response.context["steps"]
    assert [s["state"] for s in steps] == ["current", "todo", "todo", "todo"]
    assert 'class="stepper' in body
    photos = response.context["report_photos"]
    assert len(photos) == 2
    for photo in photos:
        assert reverse("repairs:file", args=[order.pk, photo.pk]) + "?thumb=1" in body
    # Still open: the page polls the live endpoint.
    assert reverse("repairs:live", args=[order.pk]) in body and "every 15s" in body
    assert reverse("repairs:cancel", args=[order.pk]) in body


@pytest.mark.req("REP-3")
def test_report_video_is_playable_inline(client_for, resident, residency, community):
    order = services.order_create(
        reporter=resident, residency=residency,
        category=community.repair_categories.first(), description="门锁坏了",
        contact_name="张伟", contact_phone="13900000001",
        day=timezone.localdate() + dt.timedelta(days=1),
        slot=community.repair_time_slots.first(), videos=[video_upload("lock.webm", brand=b"webm")],
    )  # fmt: skip
    video = order.attachments.get()
    body = detail(client_for(resident), order).content.decode()
    src = reverse("repairs:file", args=[order.pk, video.pk])
    assert (
        f'<video class="repair-video mb-3" controls preload="metadata" playsinline src="{src}"'
        in body
    )


@pytest.mark.req("REP-5")
def test_timeline_lists_events_with_the_technicians_photos(client_for, resident, make_order):
    order = make_order("completed", photos=1)
    response = detail(client_for(resident), order)
    body = response.content.decode()
    kinds = [event.kind for event in response.context["events"]]
    assert kinds == ["reported", "assigned", "technician_accepted", "started", "completed"]
    assert [s["state"] for s in response.context["steps"]] == ["done"] * 4
    result_photo = order.attachments.get(stage="result")
    # A thumbnail that opens the full-size photo.
    full = reverse("repairs:file", args=[order.pk, result_photo.pk])
    assert f'href="{full}"' in body and f'src="{full}?thumb=1"' in body
    assert escape("更换了水管接头") in body
    # Closed: no more polling.
    assert "every 15s" not in body


@pytest.mark.req("REP-5")
def test_cancelled_order_shows_the_reason(client_for, resident, make_order):
    order = make_order("cancelled")
    response = detail(client_for(resident), order)
    assert [s["state"] for s in response.context["steps"]] == ["done", "cancelled"]
    assert "已自行修好" in response.content.decode()
    assert reverse("repairs:cancel", args=[order.pk]) not in response.content.decode()


@pytest.mark.req("REP-5")
def test_live_endpoint_reflects_a_status_change(
    client_for, resident, make_order, dispatcher, technician_member
):
    order = make_order("pending")
    client = client_for(resident)
    before = live(client, order, "pending").content.decode()
    assert 'hx-swap-oob="true"' in before and escape(str(Status.PENDING.label)) in before
    assert 'id="order-cancel"' not in before  # status unchanged: the cancel form is left alone
    services.order_assign(order=order, technician=technician_member, actor=dispatcher)
    after = live(client, order, "pending").content.decode()
    assert escape(str(Status.ASSIGNED.label)) in after
    assert "吴师傅" in after and f'href="tel:{technician_member.user.mobile}"' in after
    assert 'id="order-cancel" hx-swap-oob="true"' in after  # status moved: actions refreshed
    assert "?status=assigned" in after and "every 15s" in after


def test_live_stops_polling_once_closed(client_for, resident, make_order):
    order = make_order("completed")
    body = live(client_for(resident), order, "in_progress").content.decode()
    assert 'id="order-poller"' in body and "hx-get" not in body.split('id="order-rating"')[0]
    assert reverse("repairs:rate", args=[order.pk]) in body  # the rating form arrives


# --- Technician and position (REP-6) ------------------------------------------------------------


@pytest.mark.req("REP-6")
def test_technician_card_only_once_dispatched(client_for, resident, make_order):
    client = client_for(resident)
    accepted = make_order("accepted")
    assert "吴师傅" not in detail(client, accepted).content.decode()
    assigned = make_order("assigned")
    body = detail(client, assigned).content.decode()
    assert "吴师傅" in body and f'href="tel:{assigned.technician.user.mobile}"' in body


@pytest.mark.req("REP-6")
def test_position_is_shown_while_repairing_with_consent(
    client_for, resident, make_order, technician_member, settings
):
    settings.MAP_TILE_CRS = "wgs84"
    order = make_order("in_progress")
    record_position(order, technician_member)
    response = detail(client_for(resident), order)
    body = response.content.decode()
    position = response.context["position"]
    assert position["lat"] == pytest.approx(22.543096) and position["minutes_ago"] == 0
    assert 'data-lat="22.543096"' in body and 'data-lng="114.057865"' in body
    assert 'id="repair-map-settings"' in body and "leaflet.js" in body
    assert (
        'id="order-map-card"' in body
        and 'id="order-map-card" aria-labelledby="map-heading" hidden' not in body
    )
    live_body = live(client_for(resident), order, "in_progress").content.decode()
    assert 'data-lat="22.543096"' in live_body


@pytest.mark.req("REP-6")
def test_position_is_converted_for_chinese_tiles(
    client_for, resident, make_order, technician_member, settings
):
    settings.MAP_TILE_CRS = "gcj02"
    order = make_order("in_progress")
    record_position(order, technician_member)
    position = detail(client_for(resident), order).context["position"]
    assert position["lat"] != pytest.approx(22.543096, abs=1e-5)  # shifted a few hundred metres
    assert position["lat"] == pytest.approx(22.543096, abs=0.01)


@pytest.mark.req("REP-6")
def test_no_position_without_consent(client_for, resident, make_order, technician_member):
    order = make_order("in_progress")
    services.location_sharing_set(order=order, technician=technician_member, share=False)
    record_position(order, technician_member)
    response = detail(client_for(resident), order)
    assert response.context["position"] is None
    assert "data-lat" not in response.content.decode()


@pytest.mark.req("REP-6")
def test_no_position_after_completion(client_for, resident, make_order, technician_member):
    order = make_order("in_progress")
    record_position(order, technician_member)
    services.order_finish(
        order=order, technician=technician_member, result_note="修好了",
        photos=[photo_upload("done.jpg")],
    )  # fmt: skip
    client = client_for(resident)
    assert "data-lat" not in detail(client, order).content.decode()
    assert "data-lat" not in live(client, order, "in_progress").content.decode()
    assert not TechnicianPosition.objects.filter(order=order).exists()


@pytest.mark.req("REP-6")
def test_position_never_reaches_another_household_or_community(
    client_for, resident, make_order, technician_member, neighbour, outsider
):
    order = make_order("in_progress")
    record_position(order, technician_member)
    for stranger in (neighbour, outsider):
        client = client_for(stranger)
        assert detail(client, order).status_code == 404
        assert live(client, order).status_code == 404


# --- Who may see ---------------------------------------------------------------------------------


def test_family_member_sees_and_follows_the_order(client_for, family_member, make_order):
    order = make_order("assigned")
    client = client_for(family_member)
    assert detail(client, order).status_code == 200
    assert live(client, order).status_code == 200
    assert order.pk in [o.pk for o in client.get(reverse("repairs:list")).context["page"]]


def test_other_household_and_community_get_404(client_for, make_order, neighbour, outsider):
    order = make_order("pending")
    for stranger in (neighbour, outsider):
        client = client_for(stranger)
        assert detail(client, order).status_code == 404
        assert (
            client.post(reverse("repairs:cancel", args=[order.pk]), {"reason": "x"}).status_code
            == 404
        )
        assert client.post(reverse("repairs:rate", args=[order.pk]), {}).status_code == 404
    assert RepairOrder.objects.get(pk=order.pk).status == Status.PENDING


def test_ended_residency_loses_access(client_for, resident, residency, make_order):
    order = make_order("pending")
    Residency.objects.filter(pk=residency.pk).update(
        status=Residency.Status.ENDED, ended_at=timezone.now()
    )
    assert detail(client_for(resident), order).status_code == 404


def test_pages_need_login(client, make_order):
    order = make_order("pending")
    response = client.get(reverse("repairs:detail", args=[order.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


# --- Cancelling ----------------------------------------------------------------------------------


@pytest.mark.req("REP-5")
def test_cancel_with_a_reason(client_for, resident, make_order):
    order = make_order("assigned")
    response = client_for(resident).post(
        reverse("repairs:cancel", args=[order.pk]), {"reason": "时间不方便"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancel_reason == "时间不方便"


def test_cancel_without_a_reason_is_refused(client_for, resident, make_order):
    order = make_order("pending")
    response = client_for(resident).post(
        reverse("repairs:cancel", args=[order.pk]), {"reason": " "}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert escape(_("Please give a reason for cancelling.")) in body
    assert '<details class="card mb-3 cancel-card" open>' in body
    assert RepairOrder.objects.get(pk=order.pk).status == Status.PENDING


def test_cancel_after_work_started_is_refused(client_for, resident, make_order):
    order = make_order("in_progress")
    response = client_for(resident).post(
        reverse("repairs:cancel", args=[order.pk]), {"reason": "不想修了"}
    )
    assert response.status_code == 400
    assert RepairOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS


def test_cancel_is_post_only(client_for, resident, make_order):
    order = make_order("pending")
    client = client_for(resident)
    assert client.get(reverse("repairs:cancel", args=[order.pk])).status_code == 405
    assert client.get(reverse("repairs:rate", args=[order.pk])).status_code == 405


def test_family_member_can_cancel(client_for, family_member, make_order):
    order = make_order("pending")
    response = client_for(family_member).post(
        reverse("repairs:cancel", args=[order.pk]), {"reason": "家人已修好"}
    )
    assert response.status_code == 302
    assert RepairOrder.objects.get(pk=order.pk).status == Status.CANCELLED


# --- Rating (REP-7) --------------------------------------------------------------------------------


@pytest.mark.req("REP-7")
def test_rate_once_and_see_the_rating(client_for, resident, make_order):
    order = make_order("completed")
    client = client_for(resident)
    form_page = detail(client, order).content.decode()
    assert reverse("repairs:rate", args=[order.pk]) in form_page
    assert 'type="radio" name="speed"' in form_page
    url = reverse("repairs:rate", args=[order.pk])
    data = {"speed": 5, "quality": 4, "attitude": 5, "comment": "师傅很专业"}
    assert client.post(url, data).status_code == 302
    rating = RepairRating.objects.get(order=order)
    assert (rating.speed, rating.quality, rating.attitude) == (5, 4, 5)
    page = detail(client, order).content.decode()
    assert "师傅很专业" in page and url not in page
    again = client.post(url, {**data, "speed": 1})
    assert again.status_code == 400
    assert escape(_("This repair has already been rated.")) in again.content.decode()
    assert RepairRating.objects.get(order=order).speed == 5


@pytest.mark.req("REP-7")
@pytest.mark.parametrize("speed", [0, 6, "", "x"])
def test_out_of_range_score_is_refused_and_input_kept(client_for, resident, make_order, speed):
    order = make_order("completed")
    response = client_for(resident).post(
        reverse("repairs:rate", args=[order.pk]),
        {"speed": speed, "quality": 4, "attitude": 3, "comment": "还行吧"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert escape(_("Please give 1 to 5 stars for each item.")) in body
    assert "还行吧" in body
    assert 'value="4" checked' in body  # the quality chosen is still chosen
    assert not RepairRating.objects.exists()


def test_rating_before_completion_is_refused(client_for, resident, make_order):
    order = make_order("in_progress")
    response = client_for(resident).post(
        reverse("repairs:rate", args=[order.pk]), {"speed": 5, "quality": 5, "attitude": 5}
    )
    assert response.status_code == 400
    assert not RepairRating.objects.exists()


@pytest.mark.req("REP-7")
def test_low_rating_reaches_the_managers(
    client_for, resident, make_order, manager, django_capture_on_commit_callbacks
):
    order = make_order("completed")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(resident).post(
            reverse("repairs:rate", args=[order.pk]),
            {"speed": 1, "quality": 3, "attitude": 4, "comment": "等了很久"},
        )
    assert response.status_code == 302
    assert Message.objects.filter(recipient=manager, event="repair.low_rating").exists()


# --- Files ---------------------------------------------------------------------------------------


def test_file_headers_and_range(client_for, resident, make_order):
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    client = client_for(resident)
    url = reverse("repairs:file", args=[order.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/jpeg"
    partial = client.get(url, HTTP_RANGE="bytes=0-9")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == photo.file.open("rb").read()[:10]
    assert client.get(url, {"thumb": 1}).status_code == 200


def test_file_of_another_household_is_404(client_for, make_order, neighbour, outsider):
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    url = reverse("repairs:file", args=[order.pk, photo.pk])
    for stranger in (neighbour, outsider):
        assert client_for(stranger).get(url).status_code == 404
