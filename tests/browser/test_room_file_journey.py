"""一户一档 in headless Chromium at 1440×900, through the real pages: the manager opens 张伟's
room (bills in arrears, a receipted payment, a repair, a complaint, a booking, a parcel, a
water meter), edits the room with a mistake and fixes it, then moves the household out of a
room with unpaid bills, keeping them on the room. Screenshots: var/screenshots/room-file-*.png."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Residency
from billing.models import Bill, Meter, MeterReading
from tests.factories import (
    ComplaintFactory,
    ParcelFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    bookable_provider,
    booking_row,
    business_bill,
    business_payment,
)

from . import support
from .support import submit

pytestmark = pytest.mark.req("SUSR-1")


@pytest.fixture
def busy_room(room, resident, family_member):
    household = Residency.objects.get(user=resident, room=room)
    room.area = Decimal("89.50")
    room.save()
    this_month = timezone.localdate().replace(day=1)
    last = (this_month - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    business_bill(room, month=last, amount="250.60")
    business_bill(room, month=before, amount="250.60")
    paid = business_bill(room, month=(before - dt.timedelta(days=1)).replace(day=1),
                         amount="250.60", paid="250.60", status="paid")  # fmt: skip
    business_payment(paid, amount="250.60", method="wechat",
                     paid_at=timezone.now() - dt.timedelta(days=40))  # fmt: skip
    RepairOrderFactory(household=household, description="厨房水龙头漏水，关不紧。")
    ComplaintFactory(household=household, details="楼上装修噪音，晚上十点后仍在施工。")
    booking_row(household, bookable_provider(room.building.community))
    ParcelFactory(household=household, carrier="sf", shelf="A3", recipient_name="张伟")
    meter = Meter.objects.create(room=room, kind="water", number="W-3-1201")
    MeterReading.objects.create(meter=meter, month=last, previous=Decimal("312.00"),
                                current=Decimal("326.50"))  # fmt: skip
    ResidencyFactory(room=room, relation=Residency.Relation.TENANT, status=Residency.Status.ENDED,
                     ended_at=timezone.now() - dt.timedelta(days=400),
                     user__display_name="刘前租户")  # fmt: skip
    RoomFactory(building=room.building, number="1202", floor=12)
    return household


def test_a_households_whole_file(open_page, live_server, manager, room, busy_room):
    desk = open_page("desk", user=manager)
    desk.goto(f"{live_server.url}/staff/rooms/{room.pk}/")
    expect(desk.locator("#room-summary")).to_contain_text("¥501.20")
    expect(desk.locator("#room-household")).to_contain_text("张伟")
    expect(desk.locator("#room-billing")).to_contain_text("表计")
    expect(desk.locator("#room-repairs")).to_contain_text("厨房水龙头")
    expect(desk.locator("#room-services")).to_contain_text("日常保洁")
    support.shot(desk, "room-file-1-household")

    # Edit the room: a number the building already has, then the right one.
    desk.click("text=编辑房屋")
    desk.fill("#id_number", "1202")
    desk.fill("#id_area", "0")
    submit(desk, "#room-form button[type=submit]")
    expect(desk.locator("#room-form")).to_contain_text("面积")
    support.shot(desk, "room-file-2-edit-error")
    desk.fill("#id_area", "90.20")
    submit(desk, "#room-form button[type=submit]")
    expect(desk.locator("#room-form")).to_contain_text("已有房号1202")
    desk.fill("#id_number", "1201")
    submit(desk, "#room-form button[type=submit]")
    expect(desk.locator("#room-summary")).to_contain_text("90.20")
    expect(desk.locator("#room-history")).to_contain_text("修改房屋")

    # Move the household out: the unpaid bills are shown and stay with the room.
    desk.locator("#room-household").get_by_text("办理迁出").click()
    expect(desk.locator("#move-out-debts")).to_contain_text("2笔未缴账单")
    desk.fill("#id_reason", "房屋出售")
    support.shot(desk, "room-file-3-move-out")
    desk.check("input[name=bills][value=keep]")
    submit(desk, "button.btn-danger")
    expect(desk.locator("body")).to_contain_text("未缴账单保留在房屋名下")
    expect(desk.locator("#room-household")).to_contain_text("暂无已认证住户")
    support.shot(desk, "room-file-4-moved-out")
    assert Bill.objects.filter(room=room, status__in=Bill.UNPAID_STATUSES).count() == 2
