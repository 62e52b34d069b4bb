"""Complaints and suggestions in headless Chromium, through the real pages.

A complaint end to end: a resident on a phone files it with two photos, the front desk at a
desk accepts it and passes it to a department, writes to the resident and adds an internal
note, the resident sees the message (never the note) and answers, staff reply with the result,
the resident returns it, the manager is alerted, staff reply again, the resident accepts and
rates it. A suggestion: a resident proposes it publicly, two neighbours support it from the
board, the manager evaluates, adopts, plans, reports progress and completes it; every household
is told and the board shows it under 你提我改. Screenshots: var/screenshots/complaint-*.png and
suggestion-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, Suggestion
from notices.models import Message, Notice
from tests.factories import (
    ComplaintFactory,
    ComplaintMessageFactory,
    SuggestionFactory,
    SuggestionStepFactory,
    photo_upload,
)

from ..complaints.suggestions_support import neighbour
from . import support
from .support import submit
from .test_csp_pages import watched  # noqa: F401 (a fixture)

Status = Complaint.Status
NOTE = "内部备注：该住户上月也投诉过同一问题，注意沟通方式。"


def shot(page, name):
    support.shot(page, name)


def photo_files(tmp_path) -> list[str]:
    paths = []
    for name in ("trash-1.jpg", "trash-2.jpg"):
        path = tmp_path / name
        path.write_bytes(photo_upload(name).read())
        paths.append(str(path))
    return paths


def staff_send(desk, complaint, body: str, *, internal: bool = False) -> None:
    form = desk.locator(f"form[action$='/staff/complaints/{complaint.pk}/messages/']")
    form.locator("textarea[name=body]").fill(body)
    if internal:
        form.locator("input[type=checkbox][name=internal]").check()
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()


def staff_reply(desk, complaint, text: str) -> None:
    form = desk.locator(f"form[action$='/staff/complaints/{complaint.pk}/reply/']")
    form.locator("textarea[name=reply]").fill(text)
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.mark.req("CMP-1", "CMP-3", "SCMP-1")
def test_a_complaint_from_filing_to_rating(
    open_page, live_server, transactional_db, resident, staff_user, manager, tmp_path
):
    base = live_server.url

    # The resident files a complaint about the rubbish with two photos.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/complaints/")
    shot(phone, "complaint-01-resident-home")
    with phone.expect_navigation():
        phone.click("[data-testid=file-complaint]")
    phone.locator("label.category-card", has_text="环境卫生").click()
    phone.locator("label.choice-pill", has_text="小区内其他地点").click()
    phone.fill("input[name=place]", "3栋 垃圾房")
    phone.fill("textarea[name=details]", "3栋垃圾房的垃圾已经三天没有清运，气味很大，苍蝇很多。")
    phone.fill("textarea[name=wanted_outcome]", "请尽快清运，并固定每天清运时间。")
    phone.set_input_files("input[name=photos]", photo_files(tmp_path))
    shot(phone, "complaint-02-resident-form")
    with phone.expect_navigation(url=re.compile(r"/complaints/\d+/$")):
        phone.click("form.repair-form button[type=submit]")
    complaint = Complaint.objects.get()
    assert complaint.status == Status.SUBMITTED
    assert complaint.attachments.filter(message=None).count() == 2
    expect(phone.locator(".photo-grid img")).to_have_count(2)
    shot(phone, "complaint-03-resident-filed")

    # The front desk finds it in the queue, accepts it and passes it to the cleaning team.
    desk = open_page("desk", staff_user)
    desk.goto(f"{base}/staff/complaints/")
    expect(desk.get_by_text(complaint.number)).to_be_visible()
    shot(desk, "complaint-04-staff-queue")
    desk.goto(f"{base}/staff/complaints/{complaint.pk}/")
    expect(desk.locator(".complaint-photo")).to_have_count(2)
    submit(desk, f"form[action$='/staff/complaints/{complaint.pk}/accept/'] button")
    complaint.refresh_from_db()
    assert complaint.status == Status.ACCEPTED
    route = desk.locator(f"form[action$='/staff/complaints/{complaint.pk}/route/']")
    route.locator("select[name=department]").select_option(label="保洁")
    route.locator("textarea[name=note]").fill("今天下班前清运完毕。")
    shot(desk, "complaint-05-staff-route")
    with desk.expect_navigation():
        route.locator("button[type=submit]").click()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.department.name == "保洁"
    shot(desk, "complaint-06-staff-routed")

    # Staff write to the resident and add an internal note.
    staff_send(desk, complaint, "您好，保洁部今天下午会去清运，请问垃圾房门口的纸箱是您家的吗？")
    staff_send(desk, complaint, NOTE, internal=True)
    expect(desk.locator("#conversation .bg-warning-subtle", has_text=NOTE)).to_have_count(1)
    shot(desk, "complaint-07-staff-messages")

    # The resident sees the message but not the note, and answers.
    phone.goto(f"{base}/complaints/{complaint.pk}/")
    expect(phone.locator("#conversation")).to_contain_text("保洁部今天下午会去清运")
    assert "内部备注" not in phone.content() and NOTE not in phone.locator("body").inner_text()
    phone.fill("#conversation textarea[name=body]", "纸箱不是我家的，麻烦一起清走，谢谢。")
    with phone.expect_navigation():
        phone.click("#conversation button.chat-send")
    expect(phone.locator("#conversation .chat-mine")).to_contain_text("纸箱不是我家的")
    assert NOTE not in phone.locator("body").inner_text()
    shot(phone, "complaint-08-resident-conversation")

    # Staff reply with the result.
    desk.goto(f"{base}/staff/complaints/{complaint.pk}/")
    expect(desk.locator("#conversation")).to_contain_text("纸箱不是我家的")
    staff_reply(desk, complaint, "垃圾和纸箱已全部清运，垃圾房已消毒。")
    complaint.refresh_from_db()
    assert complaint.status == Status.REPLIED
    shot(desk, "complaint-09-staff-replied")

    # The resident is not satisfied and returns it with a reason.
    phone.goto(f"{base}/complaints/{complaint.pk}/")
    expect(phone.locator("[data-testid=reply]")).to_contain_text("垃圾和纸箱已全部清运")
    phone.locator("summary", has_text="不满意，退回").click()
    phone.fill(
        f"form[action$='/complaints/{complaint.pk}/return/'] textarea[name=return-reason]",
        "垃圾房门口还有积水和异味，没有消毒。",
    )
    shot(phone, "complaint-10-resident-return")
    submit(phone, f"form[action$='/complaints/{complaint.pk}/return/'] button[type=submit]")
    complaint.refresh_from_db()
    assert complaint.status == Status.RETURNED and complaint.return_count == 1
    shot(phone, "complaint-11-resident-returned")

    # The manager is alerted: a complaint.returned message, in the staff inbox.
    alert = Message.objects.get(recipient=manager, event="complaint.returned")
    assert complaint.number in alert.title
    office = open_page("desk", manager)
    office.goto(f"{base}/staff/messages/")
    item = office.locator(".message-item", has_text=complaint.number).filter(has_text="被住户退回")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("第1次")
    shot(office, "complaint-12-manager-inbox")
    with office.expect_navigation(url=re.compile(rf"/staff/complaints/{complaint.pk}/$")):
        item.click()
    expect(office.get_by_text("垃圾房门口还有积水和异味").first).to_be_visible()
    shot(office, "complaint-13-manager-detail")

    # Staff reply again.
    desk.goto(f"{base}/staff/complaints/{complaint.pk}/")
    staff_reply(desk, complaint, "已冲洗积水并再次消毒，之后每天 18 点前清运。")
    complaint.refresh_from_db()
    assert complaint.status == Status.REPLIED
    shot(desk, "complaint-14-staff-replied-again")

    # The resident accepts the reply and rates it 4 stars with a comment.
    phone.goto(f"{base}/complaints/{complaint.pk}/")
    expect(phone.locator("[data-testid=reply]")).to_contain_text("每天 18 点前清运")
    shot(phone, "complaint-15-resident-second-reply")
    submit(phone, f"form[action$='/complaints/{complaint.pk}/close/'] button[type=submit]")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    four = phone.locator("input[name=satisfaction][value='4']").get_attribute("id")
    phone.click(f"label[for={four}]")
    phone.fill("form[action$='/rate/'] textarea[name=comment]", "第二次处理很到位，谢谢。")
    shot(phone, "complaint-16-resident-rate")
    submit(phone, f"form[action$='/complaints/{complaint.pk}/rate/'] button[type=submit]")
    complaint.refresh_from_db()
    assert complaint.satisfaction == 4
    assert complaint.satisfaction_comment == "第二次处理很到位，谢谢。"
    rating = phone.locator("[data-testid=rating]")
    expect(rating).to_contain_text("第二次处理很到位")
    expect(rating.locator(".bi-star-fill")).to_have_count(4)
    assert NOTE not in phone.locator("body").inner_text()
    shot(phone, "complaint-17-resident-rated")

    desk.goto(f"{base}/staff/complaints/{complaint.pk}/")
    expect(desk.get_by_text("第二次处理很到位").first).to_be_visible()
    shot(desk, "complaint-18-staff-closed")


@pytest.mark.req("CMP-2", "CMP-3", "SCMP-2")
def test_a_suggestion_from_the_board_to_you_suggested_we_did(
    open_page, live_server, transactional_db, community, resident, manager
):
    base = live_server.url
    first = neighbour(community, "赵一").user
    second = neighbour(community, "钱二").user

    # The resident proposes it publicly.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/suggestions/")
    shot(phone, "suggestion-01-board-empty")
    with phone.expect_navigation():
        phone.click("a[href*='/suggestions/new/']")
    phone.fill("input[name=title]", "地下车库增设充电桩")
    phone.fill("textarea[name=body]", "车库充电桩太少，晚上要排队，有人私拉电线充电，很危险。")
    phone.check("input[name=is_public]")
    shot(phone, "suggestion-02-create")
    with phone.expect_navigation(url=re.compile(r"/suggestions/\d+/$")):
        phone.click("form button[type=submit]")
    suggestion = Suggestion.objects.get()
    assert suggestion.is_public and suggestion.status == Suggestion.Status.SUBMITTED
    shot(phone, "suggestion-03-sent")

    # Two neighbours support it from the board.
    for number, user in enumerate((first, second), start=4):
        page = open_page("phone", user)
        page.goto(f"{base}/suggestions/")
        card = page.locator("article", has_text="地下车库增设充电桩")
        expect(card).to_have_count(1)
        with page.expect_navigation():
            card.locator("form[action$='/support/'] button").click()
        card = page.locator("article", has_text="地下车库增设充电桩")
        expect(card.locator("form[action$='/unsupport/'] button")).to_contain_text(str(number - 3))
        shot(page, f"suggestion-0{number}-neighbour-supported")
    suggestion.refresh_from_db()
    assert suggestion.support_count == 2

    # The manager evaluates and adopts it with a reason.
    office = open_page("desk", manager)
    office.goto(f"{base}/staff/suggestions/")
    expect(office.get_by_text("地下车库增设充电桩")).to_be_visible()
    shot(office, "suggestion-06-staff-queue")
    office.goto(f"{base}/staff/suggestions/{suggestion.pk}/")
    submit(office, f"form[action$='/suggestions/{suggestion.pk}/evaluate/'] button")
    decide = office.locator(f"form[action$='/suggestions/{suggestion.pk}/decide/']")
    decide.locator("input[name=decision][value=adopt]").check()
    decide.locator("textarea[name=reason]").fill("私拉电线有火灾隐患，决定增设充电桩。")
    shot(office, "suggestion-07-staff-evaluating")
    with office.expect_navigation():
        decide.locator("button[type=submit]").click()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ADOPTED

    # A plan of two steps.
    target = timezone.localdate() + dt.timedelta(days=14)
    for title, owner in (("联系供电公司勘察", "工程部"), ("采购并安装充电桩", "充电桩厂家")):
        form = office.locator(f"form[action$='/suggestions/{suggestion.pk}/steps/']")
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=owner_name]").fill(owner)
        form.locator("input[name=target_date]").fill(target.isoformat())
        with office.expect_navigation():
            form.locator("button[type=submit]").click()
    assert suggestion.steps.count() == 2
    shot(office, "suggestion-08-staff-plan")

    # Progress, a step done, and the result with a notice.
    progress = office.locator(f"form[action$='/suggestions/{suggestion.pk}/progress/']")
    progress.locator("textarea[name=note]").fill("供电公司已勘察，容量够用。")
    with office.expect_navigation():
        progress.locator("button[type=submit]").click()
    step = suggestion.steps.get(title="联系供电公司勘察")
    submit(office, f"form[action$='/suggestions/steps/{step.pk}/done/'] button")
    step.refresh_from_db()
    assert step.done_at is not None
    shot(office, "suggestion-09-staff-progress")
    complete = office.locator(f"form[action$='/suggestions/{suggestion.pk}/complete/']")
    complete.locator("textarea[name=outcome]").fill("已在地下车库 B2 安装 10 个充电桩。")
    complete.locator("input[name=publish_notice]").check()
    with office.expect_navigation():
        complete.locator("button[type=submit]").click()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COMPLETED
    notice = suggestion.completion_notice
    assert notice.status == Notice.Status.PUBLISHED
    assert "已在地下车库 B2 安装 10 个充电桩" in notice.body
    assert "The suggestion" not in notice.body and "感谢" in notice.body  # in Chinese
    shot(office, "suggestion-10-staff-completed")

    # All three households were told; the board shows it under 你提我改.
    for user in (resident, first, second):
        events = set(Message.objects.filter(recipient=user).values_list("event", flat=True))
        assert {"suggestion.decided", "suggestion.progress", "suggestion.completed"} <= events
    phone.goto(f"{base}/suggestions/")
    with phone.expect_navigation():
        phone.locator("nav a", has_text="你提我改").click()
    card = phone.locator("article", has_text="地下车库增设充电桩")
    expect(card).to_contain_text("已在地下车库 B2 安装 10 个充电桩")
    shot(phone, "suggestion-11-board-done")
    phone.goto(f"{base}/suggestions/{suggestion.pk}/")
    expect(phone.get_by_text("你提我改").first).to_be_visible()
    expect(phone.get_by_text("联系供电公司勘察").first).to_be_visible()
    shot(phone, "suggestion-12-resident-detail")
    phone.goto(f"{base}/messages/")
    expect(phone.get_by_text("地下车库增设充电桩").first).to_be_visible()
    shot(phone, "suggestion-13-resident-messages")


def test_the_complaint_pages_report_no_csp_violation(
    watched,  # noqa: F811
    live_server, transactional_db, resident, manager, tmp_path,
):  # fmt: skip
    """The complaints and suggestions pages under the production policy (see
    tests/browser/test_csp_pages.py), and the conversation's photo count (a static script)."""
    base = live_server.url
    household = resident.residencies.get()
    complaint = ComplaintFactory(household=household)
    ComplaintMessageFactory(complaint=complaint)
    suggestion = SuggestionFactory(household=household, status="adopted")
    SuggestionStepFactory(suggestion=suggestion)
    visited = []
    phone = watched("phone", resident)
    for path in ("/complaints/", "/complaints/new/", f"/complaints/{complaint.pk}/",
                 "/suggestions/", "/suggestions/new/", f"/suggestions/{suggestion.pk}/",
                 "/suggestions/?tab=done"):  # fmt: skip
        phone.goto(base + path)
        visited.append((path, watched.violations(phone)))
    phone.goto(f"{base}/complaints/{complaint.pk}/")
    phone.set_input_files("#conversation input.chat-file", photo_files(tmp_path))
    expect(phone.locator("#conversation .chat-file-count")).to_have_text(" 2")
    visited.append(("photo count", watched.violations(phone)))
    desk = watched("desk", manager)
    for path in ("/staff/complaints/", f"/staff/complaints/{complaint.pk}/",
                 "/staff/complaints/log/", "/staff/suggestions/",
                 f"/staff/suggestions/{suggestion.pk}/"):  # fmt: skip
        response = desk.goto(base + path)
        assert response.status == 200, path
        visited.append((path, watched.violations(desk)))
    problems = [f"{path}: {found}" for path, violations in visited for found in violations]
    assert problems == [], "\n".join(problems)
