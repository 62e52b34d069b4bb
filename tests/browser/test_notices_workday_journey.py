"""The notices and audit log of the office's working day (issue 19), in headless Chromium at
1440×900: the notice list with the pinned one on top, a draft deleted, an urgent notice to
everybody waiting for approval and approved by a colleague, then the audit log filtered by
person and date. Screenshots: var/screenshots/workday-notices-*.png."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kit.audit import log_action
from notices import services
from notices.models import Message, Notice, NoticeSettings
from tests.factories import NoticeFactory, ResidencyFactory, RoomFactory, StaffMemberFactory

from . import support
from .support import submit

URGENT = "明早 6:00 起全小区停水抢修"


def shot(page, name):
    support.shot(page, f"workday-notices-{name}")


def _publish(community, actor, title, **kwargs):
    notice = NoticeFactory.build(community=community, title=title, **kwargs)
    return services.notice_save(notice=notice, actor=actor, buildings=[], publish="now")


@pytest.mark.req("SNOT-2", "X-3")
def test_notices_approval_and_the_audit_log(
    open_page, live_server, transactional_db, community, staff_user, manager
):
    base = live_server.url
    residents = [ResidencyFactory(room=RoomFactory(building__community=community)).user
                 for _ in range(2)]  # fmt: skip
    pinned = _publish(community, staff_user, "12月物业费缴费通知", category="property")
    services.notice_set_pinned(notice=pinned, pinned=True, actor=staff_user)
    _publish(community, staff_user, "周六社区义诊活动", category="activity")
    draft = NoticeFactory.build(community=community, title="电梯年检（草稿）", category="safety")
    services.notice_save(notice=draft, actor=staff_user, buildings=[], publish="draft")
    NoticeSettings.objects.create(community=community, urgent_sms_approval=True)

    desk = open_page("desk", staff_user)
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.goto(f"{base}/staff/notices/")
    rows = desk.locator("#table-region tbody tr")
    expect(rows.first).to_contain_text("12月物业费缴费通知")
    shot(desk, "list")

    # The draft goes, with its files and messages; the log says so.
    row = desk.locator("tr", has_text="电梯年检（草稿）")
    with desk.expect_navigation():
        row.get_by_role("button", name="删除").click()
    expect(desk.locator("body")).to_contain_text("已删除")
    assert not Notice.objects.filter(title="电梯年检（草稿）").exists()

    # An urgent notice to everybody waits for approval: the category must be chosen.
    desk.goto(f"{base}/staff/notices/new/")
    desk.fill("input[name=title]", URGENT)
    desk.click(".ql-editor")
    desk.keyboard.type("因主管道爆裂，明早 6:00–12:00 全小区停水，请提前储水。")
    desk.select_option("select[name=importance]", "urgent")
    desk.check("input[name=publish][value=now]")
    submit(desk, "form button.btn-primary[type=submit]")
    expect(desk.locator("body")).to_contain_text("请选择公告类别")
    desk.select_option("select[name=category]", "outage")
    submit(desk, "form button.btn-primary[type=submit]")
    notice = Notice.objects.get(title=URGENT)
    assert notice.status == Notice.Status.PENDING
    expect(desk.locator(".alert-warning")).to_contain_text("同事批准后才会发送")
    shot(desk, "pending")
    sent = Message.objects.filter(event="notice.published", object_id=str(notice.pk))
    assert not sent.exists()

    # The manager is told, approves, and the SMS fan-out starts.
    assert Message.objects.filter(recipient=manager, event="notice.approval_requested").exists()
    boss = open_page("desk", manager)
    boss.on("dialog", lambda dialog: dialog.accept())
    boss.goto(f"{base}/staff/notices/{notice.pk}/")
    shot(boss, "to-approve")
    with boss.expect_navigation():
        boss.get_by_role("button", name="批准并发送").click()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.approved_by == manager
    expect(boss.locator("body")).to_contain_text("审批人")
    shot(boss, "approved")
    assert sent.count() == len(residents)

    # The audit log, as sentences, filtered by person and by date.
    colleague = StaffMemberFactory(communities=[community], position_name="客服").user
    log_action(actor=colleague, action="notice.pinned", target=pinned, community=community)
    boss.goto(f"{base}/staff/audit/")
    expect(boss.locator("#table-region")).to_contain_text(
        f"陈经理批准了紧急公告“{URGENT}”（撰写人：林客服）"
    )
    shot(boss, "audit-log")
    today = timezone.localdate().isoformat()
    boss.select_option("select[name=actor]", str(staff_user.pk))
    boss.fill("input[name=date_from]", today)
    boss.fill("input[name=date_to]", today)
    boss.get_by_role("button", name="筛选").click()
    table = boss.locator("#table-region")
    expect(table).to_contain_text("林客服删除了公告“电梯年检（草稿）”")
    expect(table).not_to_contain_text("陈经理批准了")
    shot(boss, "audit-log-filtered")
    boss.fill("input[name=date_from]", "2026-12-31")
    boss.fill("input[name=date_to]", "2026-12-01")
    boss.get_by_role("button", name="筛选").click()
    expect(table).to_contain_text("结束日期不能早于开始日期")
    shot(boss, "audit-log-refused")
