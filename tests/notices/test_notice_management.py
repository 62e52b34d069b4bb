"""Managing notices (issue 19): newest first with pinned ones on top, drafts published or
deleted, withdrawn ones deleted or published again (SNOT-2), the category always chosen, and
the optional approval before an urgent notice goes to everybody by SMS."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kit.audit import entries_for
from kit.models import AuditEntry
from notices import services
from notices.models import Delivery, Message, Notice, NoticeAttachment, NoticeSettings
from tests.factories import (
    NoticeAttachmentFactory,
    NoticeFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "停水通知",
        "body": "<p>明日 9:00–17:00 停水。</p>",
        "category": Notice.Category.OUTAGE,
        "importance": "normal",
        "audience": "all",
        "publish": "now",
        "publish_at": "",
        "expires_at": "",
    }
    data.update(overrides)
    return data


def save(notice, actor, publish="now"):
    return services.notice_save(notice=notice, actor=actor, buildings=[], publish=publish)


@pytest.mark.req("SNOT-2")
def test_the_list_shows_pinned_first_then_the_newest(
    client_for, staff_user, community, django_assert_max_num_queries
):
    start = timezone.now() - dt.timedelta(days=3)
    titles = []
    for day in range(3):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            notice = save(NoticeFactory.build(community=community, title=f"第{day}天"), staff_user)
        titles.append(notice.title)
    old = Notice.objects.get(title="第0天")
    services.notice_set_pinned(notice=old, pinned=True, actor=staff_user)
    draft = save(
        NoticeFactory.build(community=community, title="周末停车通知"), staff_user, "draft"
    )
    for _ in range(15):
        save(NoticeFactory.build(community=community), staff_user, "draft")
    client = client_for(staff_user)
    with django_assert_max_num_queries(25):
        body = client.get(reverse("notices_staff:list"), {"per_page": 50}).content.decode()
    order = [body.index(title) for title in ("第0天", draft.title, "第2天", "第1天")]
    assert order == sorted(order)


@pytest.mark.req("SNOT-2")
def test_a_draft_can_be_published_from_the_list(
    client_for, staff_user, community, resident, django_capture_on_commit_callbacks
):
    draft = save(NoticeFactory.build(community=community), staff_user, "draft")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff_user).post(reverse("notices_staff:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Notice.Status.PUBLISHED
    assert Message.objects.filter(recipient=resident, event="notice.published").exists()


@pytest.mark.req("SNOT-2")
def test_deleting_a_draft_removes_it_and_its_files_and_is_audited(
    client_for, staff_user, community, django_capture_on_commit_callbacks
):
    draft = save(NoticeFactory.build(community=community, title="作废的草稿"), staff_user, "draft")
    attachment = NoticeAttachmentFactory(notice=draft)
    stored = attachment.file.name
    storage = attachment.file.storage
    assert storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff_user).post(reverse("notices_staff:delete", args=[draft.pk]))
    assert response.status_code == 302
    assert not Notice.objects.filter(pk=draft.pk).exists()
    assert not NoticeAttachment.objects.exists()
    assert not storage.exists(stored)
    entry = AuditEntry.objects.get(action="notice.deleted")
    assert entry.actor == staff_user and entry.community == community
    assert entry.sentence == "林客服删除了公告“作废的草稿”（删除附件1个）"


@pytest.mark.req("SNOT-2")
def test_a_published_notice_must_be_withdrawn_before_it_is_deleted(
    client_for, staff_user, community, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = save(NoticeFactory.build(community=community), staff_user)
    client = client_for(staff_user)
    response = client.post(reverse("notices_staff:delete", args=[notice.pk]), follow=True)
    assert "请先撤回公告再删除" in response.content.decode()
    assert Notice.objects.filter(pk=notice.pk).exists()

    services.notice_withdraw(notice=notice, actor=staff_user)
    client.post(reverse("notices_staff:delete", args=[notice.pk]))
    assert not Notice.objects.filter(pk=notice.pk).exists()
    # Nothing stays reachable for residents: the inbox message went with it.
    assert not Message.objects.filter(event="notice.published").exists()


@pytest.mark.req("SNOT-2")
def test_a_withdrawn_notice_can_be_published_again_without_sending_twice(
    client_for, staff_user, community, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = save(NoticeFactory.build(community=community), staff_user)
    services.notice_withdraw(notice=notice, actor=staff_user)
    newcomer = ResidencyFactory(room=RoomFactory(building__community=community)).user
    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff_user).post(reverse("notices_staff:publish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.withdrawn_at is None
    assert Message.objects.filter(recipient=resident).count() == 1
    assert Message.objects.filter(recipient=newcomer).count() == 1
    assert Notice.objects.live().filter(pk=notice.pk).exists()


def test_the_category_is_chosen_not_defaulted(client_for, staff_user):
    client = client_for(staff_user)
    page = client.get(reverse("notices_staff:create")).content.decode()
    assert 'value="" selected' in page or "— 请选择类别 —" in page
    response = client.post(reverse("notices_staff:create"), form_data(category=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "请选择公告类别" in body
    assert "明日 9:00–17:00 停水" in body  # what was typed is kept
    assert not Notice.objects.exists()


def test_another_communitys_notice_cannot_be_deleted_or_published(
    client_for, manager, other_community, outsider_staff
):
    theirs = save(NoticeFactory.build(community=other_community), outsider_staff, "draft")
    client = client_for(manager)
    for name in ("delete", "publish", "approve"):
        assert client.post(reverse(f"notices_staff:{name}", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notices_staff:reject", args=[theirs.pk])).status_code == 404
    assert Notice.objects.filter(pk=theirs.pk, status=Notice.Status.DRAFT).exists()


# --- Approval of urgent notices to everybody by SMS ----------------------------------------------


@pytest.fixture
def approval(community):
    return NoticeSettings.objects.create(community=community, urgent_sms_approval=True)


def test_an_urgent_notice_to_everybody_waits_for_a_colleagues_approval(
    client_for, staff_user, manager, community, resident, approval, sms_outbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client = client_for(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notices_staff:create"), form_data(importance="urgent"))
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.PENDING
    assert not Message.objects.filter(event="notice.published").exists()
    assert not Notice.objects.live().exists()
    # The approver is told; the author cannot approve their own notice.
    assert Message.objects.filter(recipient=manager, event="notice.approval_requested").exists()
    assert not Message.objects.filter(
        recipient=staff_user, event="notice.approval_requested"
    ).exists()
    response = client.post(reverse("notices_staff:approve", args=[notice.pk]))
    assert response.status_code == 403  # 客服 has no approval duty
    manager_client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("notices_staff:approve", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.approved_by == manager
    message = Message.objects.get(recipient=resident, event="notice.published")
    assert Delivery.objects.filter(message=message, channel="sms").exists()
    assert Message.objects.filter(recipient=staff_user, event="notice.approval_decided").exists()
    sentences = [e.sentence for e in entries_for(notice)]
    assert "陈经理批准了紧急公告“停水通知”（撰写人：林客服）" in sentences


def test_the_author_cannot_approve_and_a_rejection_needs_a_reason(
    client_for, manager, community, resident, approval
):
    notice = save(NoticeFactory.build(community=community, importance="urgent"), manager)
    assert notice.status == Notice.Status.PENDING
    client = client_for(manager)
    client.post(reverse("notices_staff:approve", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PENDING

    colleague = StaffMemberFactory(
        communities=[community], position_name="经理", user__display_name="赵主管"
    ).user
    client = client_for(colleague)
    response = client.post(reverse("notices_staff:reject", args=[notice.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写驳回理由" in response.content.decode()
    client.post(reverse("notices_staff:reject", args=[notice.pk]), {"reason": "措辞需修改"})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT and notice.rejection_reason == "措辞需修改"
    assert not Message.objects.filter(event="notice.published").exists()
    assert AuditEntry.objects.filter(action="notice.rejected", actor=colleague).exists()


def test_without_the_setting_or_for_chosen_buildings_no_approval_is_needed(
    staff_user, community, resident
):
    notice = save(NoticeFactory.build(community=community, importance="urgent"), staff_user)
    assert notice.status == Notice.Status.PUBLISHED


def test_the_setting_is_changed_by_a_manager_and_audited(client_for, manager, community):
    client = client_for(manager)
    assert client.get(reverse("notices_staff:settings")).status_code == 200
    client.post(reverse("notices_staff:settings"), {"urgent_sms_approval": "on"})
    assert NoticeSettings.objects.get(community=community).urgent_sms_approval
    assert AuditEntry.objects.get(action="notice.settings_changed").sentence == (
        "陈经理将“紧急公告短信群发需审批”设为“开启”"
    )
