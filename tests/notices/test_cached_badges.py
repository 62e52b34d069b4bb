"""The 消息 tab's unread number and the home page's notices are cached (kit.cache) and change as
soon as the data does through the services: a message written, read, or gone with its notice; a
notice published, pinned, withdrawn or expired (issue 21)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notices import notify, selectors, services
from notices.models import Message, Notice
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db


def unread(user) -> int:
    return selectors.unread_message_badge(user)


def home_titles(user) -> list[str]:
    pinned, latest = selectors.home_notices(user)
    return [notice.title for notice in [*pinned, *latest]]


def publish(community, actor, **fields) -> Notice:
    notice = NoticeFactory.build(community=community, **fields)
    return services.notice_save(notice=notice, actor=actor, buildings=[], publish="now")


def test_a_new_message_and_reading_it_move_the_badge(resident):
    assert unread(resident) == 0
    notify.notify("notice.published", [resident], context={}, key="a")
    assert unread(resident) == 1
    message = Message.objects.get(recipient=resident)
    services.message_mark_read(message=message)
    assert unread(resident) == 0


def test_reading_all_clears_the_badge(resident):
    for key in ("a", "b"):
        notify.notify("notice.published", [resident], context={}, key=key)
    assert unread(resident) == 2
    services.messages_mark_all_read(user=resident)
    assert unread(resident) == 0


def test_a_fan_out_chunk_moves_every_inbox(resident, family_member, monkeypatch):
    monkeypatch.setattr(notify, "FEW_RECIPIENTS", 1)
    assert (unread(resident), unread(family_member)) == (0, 0)
    notify.notify("notice.published", [resident, family_member], context={}, key="a")
    assert (unread(resident), unread(family_member)) == (1, 1)


def test_the_badge_on_the_page_follows(client_for, resident):
    client = client_for(resident)
    assert "未读" not in client.get(reverse("accounts:me")).content.decode()
    notify.notify("notice.published", [resident], context={}, key="a")
    assert "未读" in client.get(reverse("accounts:me")).content.decode()


def test_opening_a_notice_reads_its_message_and_withdrawing_removes_it(
    community, resident, family_member, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(community, staff_user, title="停水通知")
        publish(community, staff_user, title="停电通知")
    assert unread(resident) == 2 and unread(family_member) == 2
    services.notice_mark_read(notice=first, user=resident)
    assert unread(resident) == 1
    services.notice_withdraw(notice=first, actor=staff_user)
    assert unread(family_member) == 1  # the withdrawn notice's message left the inbox


def test_home_notices_follow_publishing_pinning_and_withdrawal(community, resident, staff_user):
    assert home_titles(resident) == []
    notice = publish(community, staff_user, title="停水通知")
    assert home_titles(resident) == ["停水通知"]
    assert not selectors.home_notices(resident)[0]
    services.notice_set_pinned(notice=notice, pinned=True, actor=staff_user)
    assert [n.title for n in selectors.home_notices(resident)[0]] == ["停水通知"]
    services.notice_withdraw(notice=notice, actor=staff_user)
    assert home_titles(resident) == []


def test_home_notices_follow_reading(community, resident, staff_user):
    notice = publish(community, staff_user, title="停水通知")
    assert [n.is_read for n in selectors.home_notices(resident)[1]] == [False]
    services.notice_mark_read(notice=notice, user=resident)
    assert [n.is_read for n in selectors.home_notices(resident)[1]] == [True]


def test_an_expired_notice_leaves_the_home_page(community, resident, staff_user, time_machine):
    publish(
        community, staff_user, title="停水通知", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert home_titles(resident) == ["停水通知"]
    time_machine.move_to(timezone.now() + dt.timedelta(hours=2))
    assert home_titles(resident) == []


def test_a_withdrawn_notice_published_again_brings_its_message_back(
    community, resident, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(community, staff_user, title="停水通知")
    assert unread(resident) == 1
    services.notice_withdraw(notice=notice, actor=staff_user)
    assert unread(resident) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_publish(notice=notice, actor=staff_user)
    assert unread(resident) == 1
    assert home_titles(resident) == ["停水通知"]
