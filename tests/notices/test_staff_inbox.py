"""The staff member's inbox (消息) in the staff portal: the same messages as the resident
portal's 消息中心, listed on a staff page, opened into the staff page of their object, with a
menu entry and an unread badge for every position, the technician's phone layout, and
消息设置 with Web Push."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notices import services
from notices.models import Message, MutedCategory, Notice

from ..factories import MessageFactory, NoticeFactory, RepairOrderFactory

INBOX = reverse("notices_staff:inbox")
READ_ALL = reverse("notices_staff:messages_read_all")
SETTINGS = reverse("notices_staff:message_settings")


def open_url(message) -> str:
    return reverse("notices_staff:message_open", args=[message.pk])


def unread(user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


@pytest.fixture
def order(resident):
    from accounts.models import Residency

    return RepairOrderFactory(household=Residency.objects.get(user=resident))


@pytest.mark.req("SUSR-2", "SREP-2")
@pytest.mark.parametrize("who", ["manager", "staff_user", "cashier"])
def test_every_desk_position_has_the_inbox_in_its_menu_with_the_unread_count(
    request, client_for, who
):
    user = request.getfixturevalue(who)
    MessageFactory.create_batch(3, recipient=user)
    MessageFactory(recipient=user, read_at="2026-01-01T08:00:00+08:00")
    response = client_for(user).get(reverse("staff:home"))
    menu = {item["url"]: item for item in response.context["staff_menu"]}
    assert menu[INBOX]["label"] == "消息"
    assert menu[INBOX]["badge"] == 3

    response = client_for(user).get(INBOX)
    assert response.status_code == 200
    assert response.templates[0].name == "staff/notices/inbox.html"
    menu = {item["url"]: item for item in response.context["staff_menu"]}
    assert menu[INBOX]["active"]


@pytest.mark.req("SUSR-2")
def test_the_technician_reads_it_in_the_phone_layout_with_a_badge_on_the_tab_bar(
    client_for, technician
):
    MessageFactory.create_batch(2, recipient=technician, event="repair.assigned")
    client = client_for(technician)
    jobs = client.get(reverse("repairs_tech:list")).content.decode()
    tab = re.search(rf'<a href="{INBOX}"[^>]*>(.*?)</a>', jobs, re.S)
    assert tab, "the technician's tab bar links to the inbox"
    assert "tab-badge" in tab.group(1) and ">2<" in tab.group(1)

    response = client.get(INBOX)
    assert response.status_code == 200
    assert response.templates[0].name == "technician/messages.html"
    body = response.content.decode()
    assert 'class="tab-bar"' in body and 'aria-current="page"' in body
    assert body.count('class="list-group-item list-group-item-action message-item') == 2


@pytest.mark.req("SREP-2")
def test_the_inbox_lists_ones_own_messages_and_opening_one_goes_to_its_staff_page(
    client_for, manager, staff_user, order
):
    staff_page = reverse("repairs_staff:detail", args=[order.pk])
    mine = MessageFactory(recipient=manager, title="报修单已超时", url=staff_page)
    MessageFactory(recipient=staff_user, title="别人的提醒")
    client = client_for(manager)
    body = client.get(INBOX).content.decode()
    assert "报修单已超时" in body and "别人的提醒" not in body
    assert open_url(mine) in body and "unread-dot" in body
    # The list links to the staff inbox's own door, never to a resident page.
    assert 'href="/messages/' not in body and 'href="/repairs/' not in body

    response = client.get(open_url(mine))
    assert response.status_code == 302 and response["Location"] == staff_page
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(staff_page).status_code == 200
    assert "unread-dot" not in client.get(INBOX).content.decode()


@pytest.mark.req("SUSR-2", "X-1")
def test_someone_elses_message_is_404_and_stays_unread(
    client_for, manager, staff_user, resident, outsider_staff
):
    others = [
        MessageFactory(recipient=staff_user),  # a colleague in the same community
        MessageFactory(recipient=resident),  # a resident of the community
        MessageFactory(recipient=outsider_staff),  # a manager of another company
    ]
    client = client_for(manager)
    for message in others:
        assert client.get(open_url(message)).status_code == 404
        message.refresh_from_db()
        assert message.read_at is None
    assert client.get(reverse("notices_staff:message_open", args=[99999])).status_code == 404


@pytest.mark.req("X-1")
def test_a_link_elsewhere_is_not_followed(client_for, manager):
    message = MessageFactory(recipient=manager, url="https://evil.example/staff/")
    response = client_for(manager).get(open_url(message))
    assert response.status_code == 302 and response["Location"] == INBOX


@pytest.mark.req("SUSR-2")
def test_residents_and_visitors_have_no_staff_inbox(client, client_for, resident):
    MessageFactory(recipient=resident, title="居民的消息")
    mine = MessageFactory(recipient=resident)
    for url in (INBOX, SETTINGS, open_url(mine)):
        response = client_for(resident).get(url)
        assert response.status_code == 403, url
        assert "居民的消息" not in response.content.decode()
    client.logout()
    for url in (INBOX, SETTINGS, open_url(mine)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(READ_ALL).status_code == 302
    assert unread(resident) == 2


@pytest.mark.req("SUSR-2")
def test_mark_all_read_is_post_only_and_reads_ones_own_only(client_for, manager, staff_user):
    MessageFactory.create_batch(3, recipient=manager)
    MessageFactory(recipient=staff_user)
    client = client_for(manager)
    assert client.get(READ_ALL).status_code == 405
    assert unread(manager) == 3
    response = client.post(READ_ALL)
    assert response.status_code == 302 and response["Location"] == INBOX
    assert unread(manager) == 0 and unread(staff_user) == 1
    # Nothing unread: no button.
    assert READ_ALL not in client.get(INBOX).content.decode()


@pytest.mark.req("SUSR-2")
def test_mark_all_read_needs_csrf(manager):
    MessageFactory(recipient=manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(READ_ALL).status_code == 403
    assert unread(manager) == 1


def test_the_inbox_is_paginated(client_for, manager):
    for i in range(45):
        MessageFactory(recipient=manager, title=f"提醒{i:02d}")
    client = client_for(manager)
    first = client.get(INBOX)
    assert len(first.context["page"].object_list) == 20
    body = first.content.decode()
    assert "提醒44" in body and "提醒24" not in body  # newest first
    assert "第1 / 3页" in body and "?page=2" in body
    last = client.get(INBOX, {"page": 3})
    assert [m.title for m in last.context["page"].object_list] == [
        f"提醒{i:02d}" for i in range(4, -1, -1)
    ]
    assert client.get(INBOX, {"page": "nope"}).status_code == 200


@pytest.mark.parametrize("who", ["manager", "technician"])
def test_an_empty_inbox_says_so(request, client_for, who):
    body = client_for(request.getfixturevalue(who)).get(INBOX).content.decode()
    assert "暂无消息。" in body and "empty-state" in body
    assert READ_ALL not in body


def test_withdrawn_notices_leave_the_list_and_the_badge_alike(client_for, manager, community):
    """A manager who lives in the community gets its notices too; a withdrawn one is gone
    from the list, and the unread count does not keep counting it."""
    notice = NoticeFactory(community=community, status=Notice.Status.PUBLISHED)
    from django.contrib.contenttypes.models import ContentType

    MessageFactory(
        recipient=manager,
        event="notice.published",
        category="notices",
        object_type=ContentType.objects.get_for_model(Notice),
        object_id=str(notice.pk),
        title="停水通知",
    )
    MessageFactory(recipient=manager, title="报修超时")
    services.notice_withdraw(notice=notice, actor=manager)
    response = client_for(manager).get(INBOX)
    assert "停水通知" not in response.content.decode()
    menu = {item["url"]: item for item in response.context["staff_menu"]}
    assert menu[INBOX]["badge"] == 1


def test_the_inbox_query_count_does_not_grow(
    client_for, manager, technician, django_assert_max_num_queries
):
    def add(user, count):
        MessageFactory.create_batch(count, recipient=user)

    def queries(client):
        with CaptureQueriesContext(connection) as context:
            assert client.get(INBOX).status_code == 200
        return len(context)

    for user in (manager, technician):
        client = client_for(user)
        add(user, 3)
        client.get(INBOX)  # warm the caches (content types, session)
        few = queries(client)
        add(user, 120)
        many = queries(client)
        assert few == many, (user, few, many)
        with django_assert_max_num_queries(15):
            client.get(INBOX)
        with django_assert_max_num_queries(15):
            client.get(INBOX, {"page": 6})


@pytest.mark.req("NOT-2")
@pytest.mark.parametrize(
    ("who", "template"),
    [("manager", "staff/notices/message_settings.html"),
     ("technician", "technician/message_settings.html")],
)  # fmt: skip
def test_settings_offer_web_push_with_the_residents_script_and_endpoints(
    request, client_for, who, template
):
    user = request.getfixturevalue(who)
    client = client_for(user)
    response = client.get(SETTINGS)
    assert response.status_code == 200 and response.templates[0].name == template
    body = response.content.decode()
    assert "data-push" in body
    assert f'data-subscribe-url="{reverse("notices:push_subscribe")}"' in body
    assert f'data-unsubscribe-url="{reverse("notices:push_unsubscribe")}"' in body
    assert f'data-sw-url="{reverse("notices:service_worker")}"' in body
    assert "resident/push.js" in body
    assert "推送到此设备" in body  # the staff wording, not "this phone"
    assert SETTINGS in client.get(INBOX).content.decode()

    # The same mutes as the resident's 消息设置.
    response = client.post(SETTINGS, {"receive": ["notices", "billing", "payments"]})
    assert response.status_code == 302 and response["Location"] == SETTINGS
    muted = set(MutedCategory.objects.filter(user=user).values_list("category", flat=True))
    assert muted == {"repairs", "community", "account"}
    assert client.put(SETTINGS).status_code == 405


@pytest.mark.req("NOT-2")
def test_a_staff_member_subscribes_through_the_same_endpoint(client_for, manager):
    from notices.models import PushSubscription

    client = client_for(manager)
    response = client.post(
        reverse("notices:push_subscribe"),
        {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "keys": {"p256dh": "k" * 20, "auth": "a" * 10},
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert PushSubscription.objects.get().user == manager
    # The service worker covers the whole site, staff pages included.
    worker = client.get(reverse("notices:service_worker"))
    assert worker["Service-Worker-Allowed"] == "/"
