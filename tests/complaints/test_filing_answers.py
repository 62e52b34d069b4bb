"""CMP-3 on the resident's side: following a complaint (status, public timeline, deadlines,
the reply), and the household's answers: accept the reply (closed), return it (reopened and
escalated), withdraw while open, rate once; a merged complaint shows the survivor's public
progress only. Tenancy: a second household and an outsider get 404; GET → 405."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from complaints.models import Complaint, ComplaintEvent
from kit.audit import AuditEntry
from notices.models import Message
from tests.factories import (
    ComplaintAttachmentFactory,
    ComplaintFactory,
    ComplaintMessageFactory,
    ResidencyFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db
Status = Complaint.Status


@pytest.fixture
def residency(resident, room):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def replied(residency):
    now = timezone.now()
    complaint = ComplaintFactory(
        household=residency, status=Status.REPLIED, reply="已安排保洁每天早上 8 点清运。",
        replied_at=now, created_at=now - dt.timedelta(hours=30),
    )  # fmt: skip
    ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.REPLIED, status=Status.REPLIED,
        note="已安排保洁每天早上 8 点清运。",
    )  # fmt: skip
    return complaint


def url(name: str, complaint: Complaint) -> str:
    return reverse(f"complaints:{name}", args=[complaint.pk])


@pytest.mark.req("CMP-3")
def test_the_page_shows_status_timeline_reply_and_the_two_answers(client_for, resident, replied):
    ComplaintEvent.objects.create(
        complaint=replied, kind=ComplaintEvent.Kind.ESCALATED, status=Status.REPLIED,
        note="内部：超时升级给经理", internal=True,
    )  # fmt: skip
    html = client_for(resident).get(url("detail", replied)).content.decode()
    assert "已安排保洁每天早上 8 点清运。" in html
    assert "问题已解决" in html and "不满意，退回" in html
    assert "内部：超时升级给经理" not in html
    assert replied.number in html


@pytest.mark.req("CMP-3")
def test_the_deadline_is_shown_and_flagged_once_passed(client_for, resident, residency):
    complaint = ComplaintFactory(
        household=residency, reply_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    html = client_for(resident).get(url("detail", complaint)).content.decode()
    assert "已提醒物业经理" in html
    fresh = ComplaintFactory(household=residency)
    html = client_for(resident).get(url("detail", fresh)).content.decode()
    assert "前答复您" in html and "前受理" in html


@pytest.mark.req("CMP-3")
def test_accepting_the_reply_closes_the_complaint(client_for, resident, replied):
    response = client_for(resident).post(url("close", replied))
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.status == Status.CLOSED
    assert replied.closed_by == Complaint.ClosedBy.RESIDENT
    assert replied.closed_at is not None
    assert replied.close_seconds == int((replied.closed_at - replied.created_at).total_seconds())
    assert AuditEntry.objects.filter(action="complaint.closed", target_id=str(replied.pk)).exists()
    assert Message.objects.filter(event="complaint.status_changed", recipient=resident).exists()


@pytest.mark.req("CMP-3")
def test_a_family_member_may_answer_for_the_household(client_for, family_member, replied):
    assert client_for(family_member).post(url("close", replied)).status_code == 302
    replied.refresh_from_db()
    assert replied.status == Status.CLOSED


@pytest.mark.req("CMP-3")
def test_only_a_replied_complaint_can_be_closed(client_for, resident, residency):
    complaint = ComplaintFactory(household=residency)
    response = client_for(resident).post(url("close", complaint), follow=True)
    assert "只有已答复的投诉才能确认解决。" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


@pytest.mark.req("CMP-3")
def test_returning_reopens_with_a_new_deadline_and_escalates(
    client_for, resident, replied, manager, staff_user
):
    before = timezone.now()
    response = client_for(resident).post(url("return", replied), {"return-reason": "还是没人清运"})
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.status == Status.RETURNED
    assert replied.return_count == 1 and replied.returned_at >= before
    hours = replied.category.reply_within_hours
    assert replied.reply_due_at == replied.returned_at + dt.timedelta(hours=hours)
    event = replied.events.get(kind=ComplaintEvent.Kind.RETURNED)
    assert event.note == "还是没人清运" and not event.internal
    # The staff who oversee complaints (the manager), not the front desk.
    alert = Message.objects.get(event="complaint.returned")
    assert alert.recipient == manager and alert.importance == "important"
    assert "第1次" in alert.title and "还是没人清运" in alert.body
    assert not Message.objects.filter(event="complaint.returned", recipient=staff_user).exists()


@pytest.mark.req("CMP-3")
def test_a_second_return_names_its_number(client_for, resident, replied, manager):
    from complaints.filing import services

    services.complaint_return(complaint=replied, user=resident, reason="第一次")
    Complaint.objects.filter(pk=replied.pk).update(status=Status.REPLIED)
    services.complaint_return(complaint=replied, user=resident, reason="第二次")
    titles = list(
        Message.objects.filter(event="complaint.returned", recipient=manager)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert len(titles) == 2 and "第2次" in titles[1]
    replied.refresh_from_db()
    assert replied.return_count == 2


@pytest.mark.req("CMP-3")
def test_returning_needs_a_reason(client_for, resident, replied):
    response = client_for(resident).post(url("return", replied), {"return-reason": ""})
    assert response.status_code == 400
    assert "请填写原因。" in response.content.decode()
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED


@pytest.mark.req("CMP-3")
def test_withdrawing_an_open_complaint(client_for, resident, residency):
    complaint = ComplaintFactory(household=residency)
    response = client_for(resident).post(url("withdraw", complaint), {"withdraw-reason": "已解决"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.WITHDRAWN
    assert complaint.events.get(kind=ComplaintEvent.Kind.WITHDRAWN).note == "已解决"


@pytest.mark.req("CMP-3")
def test_a_replied_complaint_cannot_be_withdrawn(client_for, resident, replied):
    response = client_for(resident).post(
        url("withdraw", replied), {"withdraw-reason": "算了"}, follow=True
    )
    assert "只有处理中的投诉才能撤回。" in response.content.decode()


@pytest.mark.req("CMP-3")
def test_rating_once_when_closed_and_a_low_one_alerts_the_manager(
    client_for, resident, replied, manager
):
    client = client_for(resident)
    client.post(url("close", replied))
    response = client.post(url("rate", replied), {"satisfaction": "2", "comment": "太慢了"})
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.satisfaction == 2 and replied.satisfaction_comment == "太慢了"
    assert replied.rated_at is not None
    assert AuditEntry.objects.filter(action="complaint.rated").count() == 1
    alert = Message.objects.get(event="complaint.low_rating")
    assert alert.recipient == manager and "太慢了" in alert.body
    again = client.post(url("rate", replied), {"satisfaction": "5"}, follow=True)
    assert "这件投诉已经评价过了。" in again.content.decode()
    replied.refresh_from_db()
    assert replied.satisfaction == 2


@pytest.mark.req("CMP-3")
def test_a_good_rating_alerts_nobody(client_for, resident, replied):
    client = client_for(resident)
    client.post(url("close", replied))
    client.post(url("rate", replied), {"satisfaction": "5"})
    assert not Message.objects.filter(event="complaint.low_rating").exists()


@pytest.mark.req("CMP-3")
def test_an_open_complaint_cannot_be_rated(client_for, resident, replied):
    response = client_for(resident).post(url("rate", replied), {"satisfaction": "4"}, follow=True)
    assert "投诉办结后才能评价。" in response.content.decode()


# --- Merged ----------------------------------------------------------------------------------------


@pytest.fixture
def merged(residency, community):
    """张伟's complaint merged into another household's (the survivor), which was replied."""
    other = ResidencyFactory(
        room=RoomFactory(building__community=community, number="0606", floor=6),
        user__display_name="钱其他",
        user__mobile="13900000066",
    )
    survivor = ComplaintFactory(
        household=other, details="东门道闸坏了，钱其他的原话", contact_name="钱其他",
        status=Status.REPLIED, reply="道闸已更换新电机。", replied_at=timezone.now(),
    )  # fmt: skip
    ComplaintAttachmentFactory(complaint=survivor)
    ComplaintMessageFactory(complaint=survivor, body="钱其他在对话里说的话")
    ComplaintEvent.objects.create(
        complaint=survivor, kind=ComplaintEvent.Kind.RETURNED, status=Status.RETURNED,
        note="钱其他退回的原因",
    )  # fmt: skip
    ComplaintEvent.objects.create(
        complaint=survivor, kind=ComplaintEvent.Kind.REPLIED, status=Status.REPLIED,
        note="道闸已更换新电机。",
    )  # fmt: skip
    own = ComplaintFactory(
        household=residency, status=Status.MERGED, merged_into=survivor, details="东门道闸坏了"
    )
    return own, survivor


@pytest.mark.req("CMP-3")
def test_a_merged_complaint_shows_the_survivors_public_progress_only(client_for, resident, merged):
    own, survivor = merged
    html = client_for(resident).get(url("detail", own)).content.decode()
    assert "已与相同问题合并处理" in html
    assert "道闸已更换新电机。" in html and survivor.get_status_display() in html
    for private in ("钱其他", "0606", "钱其他退回的原因", "钱其他在对话里说的话"):
        assert private not in html
    assert reverse("complaints:file", args=[survivor.pk, survivor.attachments.get().pk]) not in html
    # The survivor itself stays another household's: 404.
    assert client_for(resident).get(url("detail", survivor)).status_code == 404


@pytest.mark.req("CMP-3")
def test_a_merged_household_rates_the_outcome_once_the_survivor_is_closed(
    client_for, resident, merged
):
    own, survivor = merged
    client = client_for(resident)
    refused = client.post(url("rate", own), {"satisfaction": "4"}, follow=True)
    assert "投诉办结后才能评价。" in refused.content.decode()
    Complaint.objects.filter(pk=survivor.pk).update(status=Status.CLOSED)
    assert (
        client.post(url("rate", own), {"satisfaction": "4", "comment": "修好了"}).status_code == 302
    )
    own.refresh_from_db()
    survivor.refresh_from_db()
    assert own.satisfaction == 4 and own.status == Status.MERGED
    assert survivor.satisfaction is None


@pytest.mark.req("CMP-3")
def test_a_return_reason_reaches_no_household_merged_into_the_complaint(
    client_for, resident, family_member, replied, community
):
    other = ResidencyFactory(
        room=RoomFactory(building__community=community, number="0707", floor=7)
    )
    ComplaintFactory(household=other, status=Status.MERGED, merged_into=replied)
    client_for(resident).post(url("return", replied), {"return-reason": "张伟家的私事"})
    told = set(
        Message.objects.filter(event="complaint.status_changed").values_list("recipient", flat=True)
    )
    assert told == {resident.pk, family_member.pk}
    assert not Message.objects.filter(recipient=other.user).exists()


# --- Tenancy, methods ------------------------------------------------------------------------------


@pytest.mark.req("CMP-3")
@pytest.mark.parametrize("name", ["detail", "close", "return", "withdraw", "rate"])
def test_another_household_and_an_outsider_get_404(client_for, replied, community, outsider, name):
    second = ResidencyFactory(
        room=RoomFactory(building__community=community, number="0808", floor=8)
    )
    for user in (second.user, outsider):
        client = Client()
        client.force_login(user)
        method = client.get if name == "detail" else client.post
        assert method(url(name, replied)).status_code == 404
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED


@pytest.mark.parametrize("name", ["close", "return", "withdraw", "rate"])
def test_answers_are_post_only(client_for, resident, replied, name):
    assert client_for(resident).get(url(name, replied)).status_code == 405


# --- The hub ---------------------------------------------------------------------------------------


@pytest.mark.req("CMP-3")
def test_the_hub_lists_the_households_complaints_with_status_and_date(
    client_for, resident, residency, replied, community
):
    second = ResidencyFactory(
        room=RoomFactory(building__community=community, number="0808", floor=8)
    )
    foreign = ComplaintFactory(household=second, details="别人家的投诉内容")
    response = client_for(resident).get(reverse("complaints:home"))
    html = response.content.decode()
    assert reverse("complaints:detail", args=[replied.pk]) in html
    assert "已答复" in html or replied.get_status_display() in html
    assert "我要投诉" in html
    assert reverse("complaints:detail", args=[foreign.pk]) not in html
    assert "别人家的投诉内容" not in html
    assert "1条答复等待您的反馈" in html


def test_the_hub_runs_a_bounded_number_of_queries(
    client_for, resident, residency, django_assert_max_num_queries
):
    client = client_for(resident)
    ComplaintAttachmentFactory(complaint=ComplaintFactory(household=residency))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("complaints:home")).status_code == 200
    for _ in range(25):
        ComplaintAttachmentFactory(complaint=ComplaintFactory(household=residency))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("complaints:home"))
    assert len(response.context["complaints"]) == 26


def test_the_entry_square_is_on_the_resident_home_with_the_replies_awaiting(
    client_for, resident, replied
):
    html = client_for(resident).get(reverse("accounts:home")).content.decode()
    assert reverse("complaints:home") in html and "投诉建议" in html
    assert '1<span class="visually-hidden"> 条答复等待您的反馈</span>' in html
