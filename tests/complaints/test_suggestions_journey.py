"""A suggestion from submission to a reported result (CMP-2, CMP-3, SCMP-2): a resident sends
it, two neighbours support it, staff evaluate (internally), adopt it with a plan, report
progress and complete it with a community notice; the proposer and both supporters are told at
every step, and the internal evaluation reaches none of them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Residency
from complaints.models import Suggestion, SuggestionEvent
from kit.models import AuditEntry
from notices.models import Message, Notice

from .suggestions_support import neighbour

pytestmark = pytest.mark.django_db
SECRET = "内部评估：预算偏高，需压价"


@pytest.mark.req("CMP-2")
@pytest.mark.req("CMP-3")
@pytest.mark.req("SCMP-2")
def test_the_whole_journey_through_the_pages(client, community, resident, manager, positions):
    first = neighbour(community, "赵一").user
    second = neighbour(community, "钱二").user

    # The resident sends a public suggestion.
    client.force_login(resident)
    response = client.post(
        reverse("complaints:suggestion_create"),
        {"title": "地下车库增设充电桩", "body": "车库充电桩太少，晚上排队。", "is_public": "on"},
    )
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:suggestion_detail", args=[suggestion.pk])
    assert suggestion.is_public and suggestion.status == Suggestion.Status.SUBMITTED
    assert Message.objects.filter(recipient=manager, event="suggestion.submitted").exists()
    hub = client.get(reverse("complaints:home"))
    assert "地下车库增设充电桩" in hub.content.decode()

    # Two neighbours support it from the board.
    for user in (first, second):
        client.force_login(user)
        board = client.get(reverse("complaints:suggestion_board"))
        assert "地下车库增设充电桩" in board.content.decode()
        response = client.post(reverse("complaints:suggestion_support", args=[suggestion.pk]))
        assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.support_count == 2

    # Staff evaluate (internal), adopt with a reason, plan, report progress, complete.
    client.force_login(manager)
    staff = "complaints_staff:suggestion_"
    assert client.post(reverse(staff + "evaluate", args=[suggestion.pk])).status_code == 302
    response = client.post(
        reverse(staff + "note", args=[suggestion.pk]),
        {"feasibility": SECRET, "estimated_cost": "18000.50"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse(staff + "decide", args=[suggestion.pk]),
        {"decision": "adopt", "reason": "私拉电线有火灾隐患，决定增设。"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse(staff + "step_add", args=[suggestion.pk]),
        {"title": "联系供电公司勘察", "owner_name": "工程部", "target_date": "2030-01-15"},
    )
    assert response.status_code == 302
    step = suggestion.steps.get()
    assert client.post(reverse(staff + "step_done", args=[step.pk])).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.IN_PROGRESS
    response = client.post(
        reverse(staff + "progress", args=[suggestion.pk]), {"note": "供电公司已勘察，容量够用。"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse(staff + "complete", args=[suggestion.pk]),
        {"outcome": "已安装 10 个充电桩。", "publish_notice": "on"},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COMPLETED
    assert suggestion.estimated_cost == Decimal("18000.50")
    notice = suggestion.completion_notice
    assert notice.status == Notice.Status.PUBLISHED and notice.community == community
    assert "已安装 10 个充电桩" in notice.body

    # All three households were told of the decision, the progress and the result.
    for user in (resident, first, second):
        events = set(Message.objects.filter(recipient=user).values_list("event", flat=True))
        assert {"suggestion.decided", "suggestion.progress", "suggestion.completed"} <= events
        texts = " ".join(Message.objects.filter(recipient=user).values_list("body", flat=True))
        assert SECRET not in texts and "18000" not in texts
    assert Message.objects.filter(recipient=first, event="suggestion.progress").count() == 2

    # The neighbour's page: everything public, never who proposed it, never the evaluation.
    client.force_login(first)
    page = client.get(reverse("complaints:suggestion_detail", args=[suggestion.pk])).content
    page = page.decode()
    for shown in ("地下车库增设充电桩", "私拉电线有火灾隐患", "联系供电公司勘察",
                  "供电公司已勘察", "已安装 10 个充电桩"):  # fmt: skip
        assert shown in page
    for hidden in (SECRET, "18000", "张伟", "1201", "13900000001"):
        assert hidden not in page
    board = client.get(reverse("complaints:suggestion_board"), {"tab": "done"}).content.decode()
    assert "已安装 10 个充电桩" in board and "张伟" not in board

    # Each move is on the timeline and in the audit log.
    kinds = list(suggestion.events.values_list("kind", flat=True))
    K = SuggestionEvent.Kind
    assert kinds == [K.SUBMITTED, K.EVALUATING, K.NOTE, K.ADOPTED, K.PLANNED, K.STEP_DONE,
                     K.PROGRESS, K.COMPLETED]  # fmt: skip
    actions = set(AuditEntry.objects.filter(target_id=str(suggestion.pk)).values_list(
        "action", flat=True))  # fmt: skip
    assert {"suggestion.submitted", "suggestion.supported", "suggestion.evaluating",
            "suggestion.evaluated", "suggestion.adopted", "suggestion.step_added",
            "suggestion.step_done", "suggestion.progress",
            "suggestion.completed"} <= actions  # fmt: skip


@pytest.mark.req("CMP-3")
def test_the_proposer_sees_their_own_status_and_the_family_too(
    client, community, resident, family_member, manager
):
    household = Residency.objects.get(user=resident)
    from complaints.suggestions import services

    suggestion = services.suggestion_submit(
        household=household, proposer=resident, title="增设快递柜", body="南门需要快递柜。",
        is_public=False,
    )  # fmt: skip
    client.force_login(family_member)
    page = client.get(reverse("complaints:suggestion_detail", args=[suggestion.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert suggestion.number in body and "待评估" in body
    assert "增设快递柜" in client.get(reverse("complaints:home")).content.decode()
