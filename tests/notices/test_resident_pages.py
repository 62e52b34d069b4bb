"""The resident's notice pages (NOT-1) and inbox and 消息设置 (NOT-2)."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notices import services
from notices.models import Message, MutedCategory, Notice, NoticeAttachment, NoticeRead

from ..factories import BuildingFactory, NoticeFactory, ResidencyFactory, RoomFactory


def publish(staff_user, community, buildings=(), **fields) -> Notice:
    return services.notice_save(
        notice=NoticeFactory.build(community=community, **fields),
        actor=staff_user,
        buildings=list(buildings),
        publish="now",
    )


def live_notice(community, **fields) -> Notice:
    """A published notice without the fan-out: quicker where only the board matters."""
    return NoticeFactory(
        community=community,
        status=Notice.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(minutes=1),
        **fields,
    )


@pytest.fixture
def neighbour(community):
    """A resident of another building (B) of the same community."""
    room_b = RoomFactory(building=BuildingFactory(community=community, name="5栋"), number="502")
    return ResidencyFactory(room=room_b, user__display_name="赵敏").user


@pytest.mark.req("NOT-1")
def test_home_shows_pinned_and_latest_notices(client_for, resident, community, staff_user):
    pinned = publish(staff_user, community, title="小区公约（置顶）", pinned=True)
    old = publish(staff_user, community, title="最旧的一条")
    Notice.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=3))
    for title in ("电梯维保", "消防演练", "燃气检查"):
        publish(staff_user, community, title=title)
    body = client_for(resident).get(reverse("accounts:home")).content.decode()
    assert "小区公约（置顶）" in body
    assert reverse("notices:detail", args=[pinned.pk]) in body
    assert "电梯维保" in body and "消防演练" in body and "燃气检查" in body
    assert "最旧的一条" not in body
    assert f'href="{reverse("notices:board")}"' in body
    assert body.count("unread-dot") == 4


@pytest.mark.req("NOT-1")
def test_home_without_rooms_has_no_notices(client_for, db):
    from ..factories import UserFactory

    response = client_for(UserFactory()).get(reverse("accounts:home"))
    assert response.status_code == 200
    assert response.context["notices"] == [] and response.context["pinned_notices"] == []


@pytest.mark.req("NOT-1")
def test_board_filters_by_category(client_for, resident, community, staff_user):
    publish(staff_user, community, title="周末亲子活动", category=Notice.Category.ACTIVITY)
    publish(staff_user, community, title="明日停电", category=Notice.Category.OUTAGE)
    client = client_for(resident)
    everything = client.get(reverse("notices:board")).content.decode()
    assert "周末亲子活动" in everything and "明日停电" in everything
    activities = client.get(reverse("notices:board"), {"category": "activity"}).content.decode()
    assert "周末亲子活动" in activities and "明日停电" not in activities
    # An unknown category shows everything rather than failing.
    unknown = client.get(reverse("notices:board"), {"category": "nope"})
    assert unknown.status_code == 200 and "明日停电" in unknown.content.decode()


@pytest.mark.req("NOT-1")
def test_board_lists_pinned_first_with_importance_and_community(
    client_for, resident, community, staff_user
):
    publish(staff_user, community, title="普通通知")
    publish(staff_user, community, title="置顶通知", pinned=True, importance="urgent")
    body = client_for(resident).get(reverse("notices:board")).content.decode()
    assert body.index("置顶通知") < body.index("普通通知")
    assert "text-bg-danger" in body
    assert community.name in body


@pytest.mark.req("NOT-1")
def test_opening_a_notice_reads_it(client_for, resident, community, staff_user):
    notice = publish(staff_user, community, title="停水通知", importance="important")
    client = client_for(resident)
    assert "unread-dot" in client.get(reverse("notices:board")).content.decode()
    response = client.get(reverse("notices:detail", args=[notice.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "停水通知" in body and "<p>因管道检修" in body
    assert "text-bg-warning" in body
    assert NoticeRead.objects.filter(notice=notice, user=resident).exists()
    assert "unread-dot" not in client.get(reverse("notices:board")).content.decode()


@pytest.mark.req("NOT-1")
def test_building_notice_is_invisible_to_other_buildings_and_communities(
    client_for, resident, neighbour, outsider, room, community, staff_user
):
    for_a = publish(staff_user, community, buildings=[room.building], title="3栋电梯维保")
    whole = publish(staff_user, community, title="全小区通知")
    for user, may_see_a in ((resident, True), (neighbour, False), (outsider, False)):
        client = client_for(user)
        board = client.get(reverse("notices:board")).content.decode()
        assert ("3栋电梯维保" in board) is may_see_a
        status = client.get(reverse("notices:detail", args=[for_a.pk])).status_code
        assert status == (200 if may_see_a else 404)
    assert client_for(neighbour).get(reverse("notices:detail", args=[whole.pk])).status_code == 200
    assert client_for(outsider).get(reverse("notices:detail", args=[whole.pk])).status_code == 404
    assert "全小区通知" not in client_for(outsider).get(reverse("notices:board")).content.decode()


@pytest.mark.req("NOT-1")
def test_family_member_sees_the_households_notices(
    client_for, family_member, room, community, staff_user
):
    notice = publish(staff_user, community, buildings=[room.building], title="3栋停水")
    client = client_for(family_member)
    assert "3栋停水" in client.get(reverse("notices:board")).content.decode()
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200


@pytest.mark.req("NOT-1")
def test_withdrawn_or_expired_notice_is_gone(client_for, resident, community, staff_user):
    withdrawn = publish(staff_user, community, title="撤回的通知")
    services.notice_withdraw(notice=withdrawn, actor=staff_user)
    expired = publish(staff_user, community, title="过期的通知")
    Notice.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    draft = NoticeFactory(community=community, title="草稿")
    client = client_for(resident)
    for notice in (withdrawn, expired, draft):
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    board = client.get(reverse("notices:board")).content.decode()
    assert "撤回的通知" not in board and "过期的通知" not in board and "草稿" not in board


@pytest.mark.req("NOT-1")
def test_attachments_are_served_to_the_audience_only(
    client_for, resident, outsider, community, staff_user
):
    notice = publish(staff_user, community, title="附件通知")
    image = NoticeAttachment(notice=notice, kind="image", original_name="现场.jpg", size=4)
    image.file.save("x.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)
    pdf = NoticeAttachment(notice=notice, kind="pdf", original_name="维修方案.pdf", size=8)
    pdf.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client = client_for(resident)
    detail = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    image_url = reverse("notices:attachment", args=[notice.pk, image.pk])
    pdf_url = reverse("notices:attachment", args=[notice.pk, pdf.pk])
    assert f'src="{image_url}"' in detail and f'href="{pdf_url}"' in detail
    assert "维修方案.pdf" in detail

    response = client.get(image_url)
    assert response.status_code == 200 and response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0"
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "%E7%BB%B4%E4%BF%AE%E6%96%B9%E6%A1%88.pdf" in response["Content-Disposition"]

    assert client_for(outsider).get(image_url).status_code == 404
    other = publish(staff_user, community, title="另一条")
    wrong_notice = reverse("notices:attachment", args=[other.pk, image.pk])
    assert client_for(resident).get(wrong_notice).status_code == 404


@pytest.mark.req("NOT-2")
def test_inbox_lists_messages_and_opening_one_reads_it(
    client_for, resident, community, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(staff_user, community, title="燃气检修")
    message = Message.objects.get(recipient=resident)
    client = client_for(resident)
    response = client.get(reverse("notices:inbox"))
    body = response.content.decode()
    assert message.title in body and "unread-dot" in body
    assert reverse("notices:message_open", args=[message.pk]) in body
    assert "tab-badge" in body  # the 消息 tab shows the unread count

    response = client.get(reverse("notices:message_open", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notices:detail", args=[notice.pk])
    message.refresh_from_db()
    assert message.read_at is not None
    body = client.get(reverse("notices:inbox")).content.decode()
    assert "unread-dot" not in body and "tab-badge" not in body


@pytest.mark.req("NOT-2")
def test_message_of_someone_else_is_404_and_outside_links_are_not_followed(
    client_for, resident, outsider
):
    theirs = Message.objects.create(
        recipient=outsider, event="x", category="account", importance="normal", title="别人的"
    )
    mine = Message.objects.create(
        recipient=resident,
        event="x",
        category="account",
        importance="normal",
        title="外链",
        url="https://evil.example/",
    )
    client = client_for(resident)
    assert client.get(reverse("notices:message_open", args=[theirs.pk])).status_code == 404
    assert "别人的" not in client.get(reverse("notices:inbox")).content.decode()
    response = client.get(reverse("notices:message_open", args=[mine.pk]))
    assert response["Location"] == reverse("notices:inbox")


@pytest.mark.req("NOT-2")
def test_read_all_is_post_only(client_for, resident):
    for i in range(3):
        Message.objects.create(
            recipient=resident,
            event="x",
            category="account",
            importance="normal",
            title=f"消息{i}",
            key=str(i),
        )
    client = client_for(resident)
    assert client.get(reverse("notices:messages_read_all")).status_code == 405
    assert Message.objects.filter(recipient=resident, read_at__isnull=True).count() == 3
    response = client.post(reverse("notices:messages_read_all"))
    assert response.status_code == 302 and response["Location"] == reverse("notices:inbox")
    assert not Message.objects.filter(recipient=resident, read_at__isnull=True).exists()


@pytest.mark.req("NOT-2")
def test_read_all_needs_csrf(resident):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(reverse("notices:messages_read_all")).status_code == 403


@pytest.mark.req("NOT-2")
def test_settings_save_mutes(client_for, resident):
    client = client_for(resident)
    page = client.get(reverse("notices:settings"))
    assert page.status_code == 200
    assert page.content.decode().count('type="checkbox"') == 6
    keep = ["notices", "payments", "community", "account"]
    response = client.post(reverse("notices:settings"), {"receive": keep})
    assert response.status_code == 302 and response["Location"] == reverse("notices:settings")
    muted = set(MutedCategory.objects.filter(user=resident).values_list("category", flat=True))
    assert muted == {"repairs", "billing"}
    body = client.get(reverse("notices:settings")).content.decode()
    boxes = dict(re.findall(r'value="(\w+)" id="id_receive_\d+"\s*(checked)?', body))
    assert boxes == {c: "" if c in muted else "checked" for c in [*keep, *muted]}
    # Nothing checked: everything muted; everything checked again: nothing muted.
    client.post(reverse("notices:settings"), {})
    assert MutedCategory.objects.filter(user=resident).count() == 6
    client.post(reverse("notices:settings"), {"receive": [*keep, "repairs", "billing"]})
    assert not MutedCategory.objects.filter(user=resident).exists()


@pytest.mark.req("NOT-2")
def test_me_links_to_notification_settings(client_for, resident):
    body = client_for(resident).get(reverse("accounts:me")).content.decode()
    assert reverse("notices:settings") in body


@pytest.mark.req("NOT-1", "NOT-2")
def test_board_and_inbox_queries_do_not_grow(
    client_for, resident, community, django_assert_max_num_queries
):
    client = client_for(resident)

    def add(count, start):
        for i in range(start, start + count):
            live_notice(community, title=f"通知{i}", pinned=i % 5 == 0)
            Message.objects.create(
                recipient=resident,
                event="x",
                category="account",
                importance="normal",
                title=f"消息{i}",
                key=str(i),
            )

    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    urls = [reverse("notices:board"), reverse("notices:inbox"), reverse("accounts:home")]
    add(3, 0)
    for url in urls:  # warm the caches (content types, session) first
        client.get(url)
    few = [queries(url) for url in urls]
    add(27, 3)
    many = [queries(url) for url in urls]
    assert few == many, (few, many)
    for url, count in zip(urls, few, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
        assert count <= 15, (url, count)
