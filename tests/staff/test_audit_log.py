"""操作日志 reads as sentences in Chinese, with filters by date, person, action and words
(issue 19), and the same sentences in the operators' admin."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kit.audit import Sentence, describe, log_action, registered_actions, sentence_for
from kit.models import AuditEntry
from repairs.models import RepairOrder
from tests.factories import RoomFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def entry(action, data=None, actor_label="李明", target_label="R20261207001"):
    return AuditEntry(action=action, data=data or {}, actor_label=actor_label,
                      target_label=target_label)  # fmt: skip


@pytest.mark.req("X-3")
def test_a_status_change_reads_as_a_sentence_with_translated_statuses():
    sentence = describe(entry("repair.started", {"from": "assigned", "to": "in_progress"}))
    assigned = str(RepairOrder.Status.ASSIGNED.label)
    working = str(RepairOrder.Status.IN_PROGRESS.label)
    assert sentence == f"李明将报修单R20261207001从“{assigned}”改为“{working}”"
    assert "assigned" not in sentence and "from=" not in sentence


@pytest.mark.req("X-3")
def test_a_payment_reads_with_its_amount_method_bills_and_receipt():
    sentence = describe(
        entry(
            "billing.paid",
            {"method": "cash", "amount": "120", "bills": ["B202612001", "B202612002"],
             "receipt": "SK2026000123"},
            actor_label="王芳", target_label="P2026120700001",
        )
    )  # fmt: skip
    assert sentence == "王芳收款 ¥120.00（现金），账单B202612001、B202612002，收据SK2026000123"


@pytest.mark.req("X-3")
def test_every_registered_action_has_a_sentence_that_renders():
    missing = [action for action in registered_actions() if sentence_for(action) is None]
    assert missing == []
    for action in registered_actions():
        text = describe(entry(action))
        assert "%(" not in text and text.strip(), action


def test_an_unknown_action_falls_back_to_its_label_and_target():
    assert describe(entry("unknown.thing")) == "李明：unknown.thing · R20261207001"


def test_a_sentence_may_be_built_by_a_callable():
    from kit.audit import _SENTENCES, register_sentences

    register_sentences({"test.built": Sentence(build=lambda e, f: f"{f['actor']}做了测试")})
    try:
        assert describe(entry("test.built")) == "李明做了测试"
    finally:
        _SENTENCES.pop("test.built")


def test_a_notice_edit_names_what_changed_not_the_html():
    before = {"title": "停水", "body": "<p>明日停水</p>", "category": "outage"}
    after = {**before, "body": "<p>后天停水</p>"}
    sentence = describe(
        entry("notice.changed", {"before": before, "after": after}, target_label="停水")
    )
    assert sentence == "李明修改了公告“停水”的正文"
    assert "<p>" not in sentence


@pytest.fixture
def logged(community, manager, staff_user, other_community):
    room = RoomFactory(building__community=community, building__name="3栋", number="1201")
    start = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 0))
    for day, actor in ((0, manager), (3, staff_user), (6, manager)):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            log_action(actor=actor, action="residency.verified", target=room, community=community)
    with time_machine.travel(start + dt.timedelta(days=6), tick=False):
        log_action(actor=manager, action="billing.waived", target=room, community=community,
                   data={"amount": "88", "reason": "困难减免"})  # fmt: skip
        log_action(actor=None, action="residency.verified", target=room,
                   community=other_community)  # fmt: skip
    return room


@pytest.mark.req("X-3")
def test_the_audit_log_filters_by_date_person_action_and_words(
    client_for, manager, staff_user, logged
):
    client = client_for(manager)
    url = reverse("staff:audit_log")
    body = client.get(url).content.decode()
    assert "陈经理减免了账单3栋1201 ¥88.00：困难减免" in body
    assert body.count("3栋1201") == 4  # not the other community's

    by_date = client.get(url, {"date_from": "2026-12-03", "date_to": "2026-12-05"})
    assert by_date.content.decode().count("3栋1201") == 1
    by_person = client.get(url, {"actor": staff_user.pk}).content.decode()
    assert by_person.count("3栋1201") == 1 and "林客服" in by_person
    by_action = client.get(url, {"action": "billing.waived"}).content.decode()
    assert by_action.count("3栋1201") == 1
    assert client.get(url, {"q": "陈经理"}).content.decode().count("3栋1201") == 3
    assert '<optgroup label="缴费">' in body  # actions grouped by module


def test_a_date_range_from_after_until_is_refused_in_chinese(client_for, manager, logged):
    response = client_for(manager).get(
        reverse("staff:audit_log"), {"date_from": "2026-12-09", "date_to": "2026-12-01"}
    )
    body = response.content.decode()
    assert "结束日期不能早于开始日期" in body
    assert "3栋1201" not in body
    assert 'value="2026-12-09"' in body


def test_the_audit_log_is_bounded_in_queries(
    client_for, manager, community, django_assert_max_num_queries
):
    room = RoomFactory(building__community=community)
    client = client_for(manager)
    for _ in range(3):
        log_action(actor=manager, action="residency.verified", target=room, community=community)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("staff:audit_log"))
    for _ in range(40):
        StaffMemberFactory(communities=[community], position_name="客服")
        log_action(actor=manager, action="residency.verified", target=room, community=community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("staff:audit_log"))


@pytest.mark.req("X-3")
def test_the_admin_lists_the_same_sentences(client_for, operator, manager, room):
    log_action(actor=manager, action="residency.rejected", target=room,
               data={"reason": "证件不清"})  # fmt: skip
    body = client_for(operator).get(reverse("admin:kit_auditentry_changelist")).content.decode()
    assert "陈经理驳回了3栋1201的绑定申请：证件不清" in body
