"""The bills office journey (issue 19) in headless Chromium at 1440×900: a draft run made with
a mistake (a room without its floor area, explained in the preview), discarded, computed
again once the room is corrected, and published; a single charge entered, reviewed and
published; the bills search finding 3栋1201. Screenshots: var/screenshots/bills-*.png."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Bill, BillRun
from tests.factories import RoomFactory, fee_rule

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"bills-{name}")


@pytest.mark.req("SBIL-1")
def test_discarded_draft_run_single_charge_and_room_search(
    open_page, live_server, transactional_db, community, room, resident, manager, positions
):
    base = live_server.url
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    bare = RoomFactory(building=room.building, number="1202", floor=12, area=None)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    desk = open_page("desk", manager)
    desk.on("dialog", lambda dialog: dialog.accept())

    # The preview says why 3栋1202 gets no bill.
    desk.goto(f"{base}/staff/billing/runs/new/?rules={rule.pk}&month={last_month:%Y-%m}")
    expect(desk.get_by_text("房屋没有登记建筑面积").first).to_be_visible()
    shot(desk, "run-preview-exception")
    submit(desk, "form[method=post][action$='/billing/runs/new/'] button[type=submit]")
    run = BillRun.objects.get()
    shot(desk, "run-draft")
    # A mistake: discard the draft.
    submit(desk, "form[action$='/discard/'] button")
    assert not BillRun.objects.exists() and not Bill.objects.exists()
    shot(desk, "run-discarded")
    # The room is corrected; the run is made again, and once more after a second fix.
    bare.area = Decimal("60.00")
    bare.save()
    desk.goto(f"{base}/staff/billing/runs/new/?rules={rule.pk}&month={last_month:%Y-%m}")
    submit(desk, "form[method=post][action$='/billing/runs/new/'] button[type=submit]")
    run = BillRun.objects.get()
    assert run.bill_count == 2
    bare.area = Decimal("65.00")
    bare.save()
    submit(desk, "form[action$='/regenerate/'] button")
    run.refresh_from_db()
    assert run.total == Decimal("275.80") + Decimal("182.00")
    expect(desk.get_by_text("已重新生成").first).to_be_visible()
    submit(desk, "form[action$='/publish/'] button")
    run.refresh_from_db()
    assert run.status == "published"
    shot(desk, "run-published")

    # A single charge for 3栋1201: entered, reviewed as a draft, published.
    desk.goto(f"{base}/staff/billing/charges/new/")
    desk.fill("#id_room", "3-1201")
    desk.fill("#id_title", "装修垃圾清运费")
    desk.select_option("#id_kind", "other")
    desk.fill("#id_line0_description", "清运")
    desk.fill("#id_line0_quantity", "2")
    desk.fill("#id_line0_unit_price", "150")
    desk.fill("#id_line1_description", "搬运")
    desk.fill("#id_line1_quantity", "1")
    desk.fill("#id_line1_unit_price", "80")
    shot(desk, "charge-new")
    submit(desk, "button[name=draft]")
    charge = Bill.objects.get(title="装修垃圾清运费")
    assert charge.status == "draft" and charge.amount == Decimal("380.00")
    desk.check(f"input[name=bill][value='{charge.pk}']")
    shot(desk, "charges-drafts")
    submit(desk, "#charges-form button[type=submit]:not([formaction])")
    charge.refresh_from_db()
    assert charge.status == "published"
    shot(desk, "charges-published")

    # The bills search understands 3栋1201.
    desk.goto(f"{base}/staff/billing/bills/?room=3栋1201")
    expect(desk.get_by_text("装修垃圾清运费").first).to_be_visible()
    shot(desk, "search-room")
    desk.goto(f"{base}/staff/billing/bills/?room=张伟")
    expect(desk.locator("table.bills-table tbody tr")).to_have_count(2)
