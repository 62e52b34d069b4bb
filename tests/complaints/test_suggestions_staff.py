"""Sending a suggestion and the staff's work on it (CMP-2, SCMP-2): the form keeps what was
typed, only verified residents send, sending is throttled; each refusal of the staff services
in Chinese; the plan's steps; the completion notice; the queue's filters and the export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Residency
from complaints.models import Suggestion, SuggestionStep
from complaints.suggestions import services
from notices.models import Message
from tests.factories import (
    CommunityFactory,
    ResidencyFactory,
    StaffMemberFactory,
    SuggestionFactory,
)

from .suggestions_support import adopted, neighbour, step

pytestmark = pytest.mark.django_db


@pytest.mark.req("CMP-2")
def test_a_wrong_field_keeps_what_was_typed(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("complaints:suggestion_create"), {"title": "", "body": "健身器材太旧了。"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "健身器材太旧了。" in body and "这个字段是必填项。" in body
    # The switch is kept off when it was sent off.
    assert 'role="switch" name="is_public" id="id_is_public">' in body
    assert not Suggestion.objects.exists()


@pytest.mark.req("CMP-2")
def test_a_private_suggestion_is_sent_private(client, resident, manager):
    client.force_login(resident)
    client.post(
        reverse("complaints:suggestion_create"), {"title": "电梯广告太吵", "body": "音量太大。"}
    )
    suggestion = Suggestion.objects.get()
    assert not suggestion.is_public
    assert suggestion.household == Residency.objects.get(user=resident)
    message = Message.objects.get(recipient=manager, event="suggestion.submitted")
    assert message.url == reverse("complaints_staff:suggestion_detail", args=[suggestion.pk])


@pytest.mark.req("CMP-2")
def test_only_verified_residents_send(client, room):
    pending = ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None,
        relation=Residency.Relation.TENANT,
    ).user  # fmt: skip
    client.force_login(pending)
    response = client.get(reverse("complaints:suggestion_create"), follow=True)
    assert "请先绑定并认证房屋，然后就可以提建议了。" in response.content.decode()
    response = client.post(reverse("complaints:suggestion_create"), {"title": "x", "body": "y"})
    assert response.status_code == 302 and not Suggestion.objects.exists()


@pytest.mark.req("CMP-2")
def test_sending_is_throttled(client, resident):
    client.force_login(resident)
    limits = {"suggestion_submit": {"user": ["2/h"], "ip": ["100/h"]}}
    with override_settings(LINLI_ACTION_LIMITS=limits):
        for n in range(2):
            client.post(reverse("complaints:suggestion_create"),
                        {"title": f"建议{n}", "body": "内容", "is_public": "on"})  # fmt: skip
        response = client.post(
            reverse("complaints:suggestion_create"), {"title": "第三条", "body": "还想说"}
        )
    assert response.status_code == 400
    body = response.content.decode()
    assert "第三条" in body and "还想说" in body and "操作过于频繁" in body
    assert Suggestion.objects.count() == 2


@pytest.mark.req("SCMP-2")
def test_refusals_of_the_workflow(community, manager):
    suggestion = SuggestionFactory(household=neighbour(community))
    with pytest.raises(ValidationError, match="“待评估”的建议不能变为“已采纳”。"):
        services.suggestion_decide(suggestion=suggestion, adopt=True, reason="好", actor=manager)
    services.evaluation_start(suggestion=suggestion, actor=manager)
    with pytest.raises(ValidationError, match="请告诉居民理由。"):
        services.suggestion_decide(suggestion=suggestion, adopt=False, reason=" ", actor=manager)
    with pytest.raises(ValidationError, match="只有已采纳的建议才有实施计划。"):
        step(suggestion, manager)
    with pytest.raises(ValidationError, match="只有已采纳的建议才有实施计划。"):
        services.progress_post(suggestion=suggestion, note="进展", actor=manager)
    services.suggestion_decide(suggestion=suggestion, adopt=True, reason="好", actor=manager)
    with pytest.raises(ValidationError, match="只有评估中的建议可以记录评估意见。"):
        services.evaluation_note(suggestion=suggestion, feasibility="x", estimated_cost=None,
                                 actor=manager)  # fmt: skip
    with pytest.raises(ValidationError, match="请填写做了什么。"):
        services.suggestion_complete(suggestion=suggestion, outcome="", actor=manager)
    with pytest.raises(ValidationError, match="请选择一位员工，或填写负责人。"):
        services.step_save(suggestion=suggestion, title="勘察", owner=None, owner_name="",
                           target_date=timezone.localdate(), actor=manager)  # fmt: skip
    stranger = StaffMemberFactory(communities=[neighbour(community).room.building.community])
    elsewhere = StaffMemberFactory(communities=[CommunityFactory()])
    with pytest.raises(ValidationError, match="请选择本小区的员工。"):
        services.step_save(suggestion=suggestion, title="勘察", owner=elsewhere, owner_name="",
                           target_date=timezone.localdate(), actor=manager)  # fmt: skip
    first = services.step_save(suggestion=suggestion, title="勘察", owner=stranger,
                               owner_name="忽略", target_date=timezone.localdate(),
                               actor=manager)  # fmt: skip
    assert first.owner == stranger and first.owner_name == ""
    services.step_done(step=first, actor=manager)
    with pytest.raises(ValidationError, match="这个步骤已经完成了。"):
        services.step_done(step=first, actor=manager)
    with pytest.raises(ValidationError, match="已完成的步骤不能从计划中删除。"):
        services.step_remove(step=first, actor=manager)
    services.suggestion_complete(suggestion=suggestion, outcome="做好了", actor=manager)
    duplicate = SuggestionFactory(household=neighbour(community))
    with pytest.raises(ValidationError, match="重复建议只能合并到仍在处理中的建议。"):
        services.suggestions_merge(survivor=suggestion, duplicates=[duplicate], actor=manager)


@pytest.mark.req("SCMP-2")
def test_a_refused_decision_is_shown_on_the_page_in_chinese(client, community, manager):
    suggestion = SuggestionFactory(household=neighbour(community))
    client.force_login(manager)
    response = client.post(
        reverse("complaints_staff:suggestion_decide", args=[suggestion.pk]),
        {"decision": "adopt", "reason": "很好"},
    )
    assert response.status_code == 400
    assert "“待评估”的建议不能变为“已采纳”。" in response.content.decode()
    response = client.post(reverse("complaints_staff:suggestion_evaluate", args=[suggestion.pk]))
    again = client.post(
        reverse("complaints_staff:suggestion_evaluate", args=[suggestion.pk]), follow=True
    )
    assert "“评估中”的建议不能变为“评估中”。" in again.content.decode()


@pytest.mark.req("SCMP-2")
def test_the_front_desk_reads_but_does_not_decide(client, community, staff_user):
    suggestion = SuggestionFactory(household=neighbour(community))
    client.force_login(staff_user)
    assert client.get(
        reverse("complaints_staff:suggestion_detail", args=[suggestion.pk])
    ).status_code == 200  # fmt: skip
    response = client.post(reverse("complaints_staff:suggestion_evaluate", args=[suggestion.pk]))
    assert response.status_code == 403


@pytest.mark.req("SCMP-2")
def test_steps_are_added_edited_and_removed(client, community, manager):
    suggestion = adopted(SuggestionFactory(household=neighbour(community)), manager)
    client.force_login(manager)
    member = manager.staff_member
    response = client.post(
        reverse("complaints_staff:suggestion_step_add", args=[suggestion.pk]),
        {"title": "采购设备", "owner": member.pk, "target_date": "2030-03-01"},
    )
    assert response.status_code == 302
    row = SuggestionStep.objects.get(suggestion=suggestion)
    assert row.owner == member and row.target_date == dt.date(2030, 3, 1)
    url = reverse("complaints_staff:suggestion_step_edit", args=[row.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "采购并安装", "owner_name": "绿城施工队",
                                 "target_date": "2030-04-01"})  # fmt: skip
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.title, row.owner, row.owner_name) == ("采购并安装", None, "绿城施工队")
    response = client.post(url, {"title": "", "target_date": ""})
    assert response.status_code == 400 and "这个字段是必填项。" in response.content.decode()
    client.post(reverse("complaints_staff:suggestion_step_remove", args=[row.pk]))
    assert not SuggestionStep.objects.filter(pk=row.pk).exists()


@pytest.mark.req("SCMP-2")
def test_a_decline_tells_the_proposer_and_the_supporters_the_reason(community, manager):
    suggestion = SuggestionFactory(household=neighbour(community, "提议人"))
    supporter = neighbour(community, "支持者")
    services.support_add(suggestion=suggestion, user=supporter.user)
    services.evaluation_start(suggestion=suggestion, actor=manager)
    services.suggestion_decide(suggestion=suggestion, adopt=False, reason="费用超出预算。",
                               actor=manager)  # fmt: skip
    for user in (suggestion.household.user, supporter.user):
        message = Message.objects.get(recipient=user, event="suggestion.decided")
        assert "未被采纳" in message.title and message.body == "费用超出预算。"


@pytest.mark.req("SCMP-2")
def test_completing_without_a_notice_publishes_none(community, manager):
    suggestion = adopted(SuggestionFactory(household=neighbour(community)), manager)
    services.progress_post(suggestion=suggestion, note="已开工", actor=manager)
    services.suggestion_complete(suggestion=suggestion, outcome="已完工", actor=manager)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COMPLETED
    assert suggestion.completion_notice is None and suggestion.completed_at is not None


@pytest.mark.req("SCMP-2")
def test_the_export_has_the_filtered_queue(client, community, manager):
    mine = SuggestionFactory(household=neighbour(community, "孙提议"), title="增设充电桩")
    SuggestionFactory(household=neighbour(community), title="别的建议", is_public=False)
    services.evaluation_note(suggestion=mine, feasibility="可行", estimated_cost=Decimal("800"),
                             actor=manager)  # fmt: skip
    client.force_login(manager)
    response = client.get(reverse("complaints_staff:suggestion_export"), {"public": "yes"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert "增设充电桩" in rows[1] and "孙提议" in rows[1] and "可行" in rows[1]
    assert 800 in rows[1]
