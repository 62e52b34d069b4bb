"""Activity check-in in headless Chromium: a resident on a phone opens the sign-up's pass (its
QR code and code), the front desk at the door types the code on a phone and checks the
household in, the manager's figures show 100 %; then a second household's QR code is shown to
the desk phone's camera (Chromium's fake camera playing a video of the code) and the scanner
reads it. Screenshots: var/screenshots/attendance-*.png."""

import datetime as dt
import re

import pytest
import segno
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.models import Residency
from services.models import ActivityParticipant
from tests.factories import ResidencyFactory, RoomFactory
from tests.services.attendance_helpers import make_activity, make_signup

from . import support
from .conftest import SIZES


def shot(page, name):
    support.shot(page, f"attendance-{name}")


@pytest.mark.req("SVC-3", "SSVC-2")
def test_pass_typed_code_check_in_and_figures(
    open_page, live_server, transactional_db, resident, staff_user, manager
):
    base = live_server.url
    activity = make_activity(
        resident.residencies.get().room.building.community,
        title="中秋亲子手工灯笼",
        starts_at=timezone.now() + dt.timedelta(minutes=30),
        self_checkin=True,
    )
    signup = make_signup(activity, Residency.objects.get(user=resident), names=("张伟", "张小宝"))

    # The resident opens the sign-up's pass on the phone: the QR code, the code, who is in.
    phone = open_page("phone", resident)
    phone.goto(base + reverse("services:checkin_pass", args=[signup.pk]))
    expect(phone.locator(".signup-qr svg")).to_be_visible()
    expect(phone.locator("[data-signup-code]")).to_have_text(signup.code)
    expect(phone.get_by_text("未签到").first).to_be_visible()
    expect(phone.get_by_role("button", name="自助签到")).to_be_visible()
    shot(phone, "resident-pass")

    # The front desk at the door, on a phone, types the code.
    desk = open_page("phone", staff_user)
    desk.goto(base + reverse("services_staff:checkin", args=[activity.pk]))
    expect(desk.get_by_text("已签到0 / 应到2")).to_be_visible()
    shot(desk, "desk-empty")
    desk.fill("#id_code", signup.code)
    support.submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_text("3栋1201")).to_be_visible()
    assert desk.locator("input[name=people]:checked").count() == 2
    shot(desk, "desk-household")
    support.submit(desk, "form[method=post] button[type=submit]")
    expect(desk.get_by_text("已签到：张伟、张小宝。")).to_be_visible()
    expect(desk.get_by_text("已签到2 / 应到2")).to_be_visible()
    shot(desk, "desk-checked-in")
    assert set(signup.participants.values_list("checkin_method", flat=True)) == {"code"}

    # Typed again: the desk says they are in already, with the time.
    desk.fill("#id_code", signup.code)
    support.submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_text("该报名的人员均已签到。")).to_be_visible()
    shot(desk, "desk-already")

    # The resident's pass shows both checked in.
    phone.reload()
    expect(phone.locator(".badge", has_text="已签到")).to_have_count(2)
    shot(phone, "resident-checked-in")

    # The manager's figures: 100 %.
    office = open_page("desk", manager)
    office.goto(base + reverse("services_staff:activity_report", args=[activity.pk]))
    expect(office.locator(".stat-card", has_text="出席率")).to_contain_text("100.0%")
    expect(office.locator("img.report-chart")).to_be_visible()
    assert office.evaluate("document.querySelector('img.report-chart').naturalWidth") > 0
    shot(office, "report")


def _qr_video(code: str, path) -> None:
    """A few seconds of 640×480 video (YUV4MPEG2, 4:2:0) showing the QR code of `code`, for
    Chromium's fake camera."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=10, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    qr = qr.resize((400, 400), Image.NEAREST)
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, (120, 40))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _frame in range(30):
            video.write(b"FRAME\n" + planes)


def _wait_for_the_scan(desk) -> None:
    """Wait for the scanner to read the code and submit the desk's form. zxing tries a frame
    every half second; on a loaded two-core machine a frame can take seconds, so this waits up
    to a minute and, if nothing came, says what the scanner showed."""
    try:
        desk.wait_for_url(re.compile(r"via=scan"), timeout=60_000)
    except PlaywrightTimeoutError:
        state = desk.evaluate(
            """() => {
                const video = document.querySelector(".scanner-box video");
                return {
                    status: document.querySelector("[data-scan-status]")?.textContent,
                    video: video ? [video.readyState, video.videoWidth, video.videoHeight] : null,
                    url: location.href,
                };
            }"""
        )
        pytest.fail(f"the scanner did not read the code within a minute: {state}")


@pytest.mark.req("SVC-3")
def test_the_desk_phone_scans_a_real_qr_code(
    browser, live_server, transactional_db, resident, staff_user, tmp_path
):
    community = resident.residencies.get().room.building.community
    activity = make_activity(community, title="社区义诊")
    make_signup(activity, Residency.objects.get(user=resident), names=("张伟",))
    neighbour = ResidencyFactory(
        room=RoomFactory(building__community=community, building__name="6栋", number="602")
    )
    signup = make_signup(activity, neighbour, names=("赵敏", "赵小敏"))
    video = tmp_path / "qr.y4m"
    _qr_video(signup.code, video)

    camera = browser.browser_type.launch(
        executable_path=str(support.CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(viewport=SIZES["phone"], locale="zh-CN", bypass_csp=True)
        client = Client()
        client.force_login(staff_user)
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])  # fmt: skip
        desk = context.new_page()
        desk.goto(live_server.url + reverse("services_staff:checkin", args=[activity.pk]))
        desk.get_by_role("button", name="扫码").click()
        _wait_for_the_scan(desk)
        expect(desk.locator("#id_code")).to_have_value(signup.code)
        expect(desk.get_by_text("赵小敏")).to_be_visible()
        shot(desk, "desk-scanned")
        support.submit(desk, "form[method=post] button[type=submit]")
        expect(desk.get_by_text("已签到：赵敏、赵小敏。")).to_be_visible()
        methods = ActivityParticipant.objects.filter(signup=signup).values_list(
            "checkin_method", flat=True
        )
        assert set(methods) == {"scan"}
        context.close()
    finally:
        camera.close()
