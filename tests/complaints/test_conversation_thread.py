"""The thread and its read markers (SCMP-1, CMP-3): oldest first with authors, times and
photos; opening the page moves one's read marker, and each side sees "已读" on the last of its
messages the other side has read; unread counts for a list in one query; a bounded number of
queries however long the thread."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from complaints.conversation import selectors, services
from complaints.models import ComplaintAttachment, ComplaintMessage, ComplaintRead
from tests.factories import ComplaintAttachmentFactory, ComplaintFactory, ComplaintMessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1"), pytest.mark.req("CMP-3")]


@pytest.fixture
def complaint(resident, room):
    return ComplaintFactory(household=Residency.objects.get(user=resident, room=room))


def detail(client, complaint, staff=False):
    name = "complaints_staff:detail" if staff else "complaints:detail"
    return client.get(reverse(name, args=[complaint.pk])).content.decode()


def test_messages_oldest_first_with_authors_and_photos(
    client_for, resident, staff_user, complaint, travel
):
    services.resident_message_send(complaint=complaint, author=resident, body="第一条：还是很臭")
    travel(60)
    message = services.staff_message_send(
        complaint=complaint, author=staff_user, body="第二条：马上处理"
    )
    photo = ComplaintAttachmentFactory(complaint=complaint, message=message)
    text = detail(client_for(resident), complaint)
    assert text.index("第一条") < text.index("第二条")
    assert "张伟" in text and "物业 · 林客服" in text
    assert reverse("complaints:file", args=[complaint.pk, photo.pk]) + "?thumb=1" in text
    staff_text = detail(client_for(staff_user), complaint, staff=True)
    assert staff_text.index("第一条") < staff_text.index("第二条")
    assert "住户 · 张伟" in staff_text
    assert reverse("complaints_staff:file", args=[photo.pk]) + "?thumb=1" in staff_text


def test_opening_the_page_marks_the_thread_read(client_for, resident, staff_user, complaint):
    assert not ComplaintRead.objects.exists()
    detail(client_for(resident), complaint)
    detail(client_for(staff_user), complaint, staff=True)
    assert set(ComplaintRead.objects.values_list("user_id", flat=True)) == {
        resident.pk,
        staff_user.pk,
    }


def test_read_markers_each_side(client_for, resident, staff_user, complaint, travel):
    services.resident_message_send(complaint=complaint, author=resident, body="住户的话")
    travel(60)
    # Staff have not opened it: no "已读" under the resident's message.
    assert "已读" not in detail(client_for(resident), complaint)
    travel(60)
    staff_page = detail(client_for(staff_user), complaint, staff=True)
    assert "已读" not in staff_page  # staff wrote nothing yet
    travel(60)
    assert "已读" in detail(client_for(resident), complaint)
    # Staff answer; the resident has not looked since: not read.
    travel(60)
    answer = services.staff_message_send(complaint=complaint, author=staff_user, body="物业的话")
    travel(60)
    assert selectors.thread_for(complaint, staff=True).read_up_to is None
    detail(client_for(resident), complaint)
    assert selectors.thread_for(complaint, staff=True).read_up_to == answer.pk
    travel(60)
    assert "已读" in detail(client_for(staff_user), complaint, staff=True)


def test_unread_counts_in_one_query(
    django_assert_num_queries, resident, staff_user, complaint, room, travel
):
    second = ComplaintFactory(household=complaint.household)
    services.staff_message_send(complaint=complaint, author=staff_user, body="一")
    services.staff_message_send(complaint=complaint, author=staff_user, body="二")
    services.staff_message_send(complaint=second, author=staff_user, body="三")
    services.resident_message_send(complaint=second, author=resident, body="我自己的")
    with django_assert_num_queries(1):
        counts = selectors.unread_counts(resident, [complaint.pk, second.pk])
    # The resident's own message moved their marker past the staff message before it.
    assert counts == {complaint.pk: 2}
    travel(60)
    services.mark_read(complaint=complaint, user=resident)
    assert selectors.unread_counts(resident, [complaint.pk, second.pk]) == {}
    # Staff: the resident wrote after the staff member's last message.
    assert selectors.unread_counts(staff_user, [complaint.pk, second.pk], staff=True) == {
        second.pk: 1
    }


def test_the_unread_tags_for_a_list_row(resident, staff_user, complaint):
    services.staff_message_send(complaint=complaint, author=staff_user, body="一")
    request = RequestFactory().get("/")
    request.user = resident
    template = Template(
        "{% load complaint_conversation %}{% unread_counts_for complaints as unread %}"
        "{% for complaint in complaints %}{% unread_badge unread complaint.pk %}{% endfor %}"
    )
    rendered = template.render(Context({"request": request, "complaints": [complaint]}))
    assert ">1<" in rendered and "未读" in rendered


def add_messages(complaint, resident, staff_user, count):
    for n in range(count):
        message = ComplaintMessageFactory(
            complaint=complaint, author=staff_user if n % 2 else resident, from_staff=bool(n % 2),
            internal=n % 4 == 3, body=f"第{n}条",
        )  # fmt: skip
        ComplaintAttachmentFactory(complaint=complaint, message=message)


@pytest.mark.parametrize("count", [2, 30])
def test_the_thread_has_a_bounded_number_of_queries(
    client_for, django_assert_max_num_queries, resident, staff_user, complaint, count
):
    add_messages(complaint, resident, staff_user, count)
    resident_client = client_for(resident)
    detail(resident_client, complaint)  # sessions and caches warmed
    with django_assert_max_num_queries(25):
        text = detail(resident_client, complaint)
    assert "第0条" in text and "第3条" not in text  # the 4th message is an internal note
    staff_client = client_for(staff_user)
    detail(staff_client, complaint, staff=True)
    with django_assert_max_num_queries(40):
        detail(staff_client, complaint, staff=True)


def test_thread_selector_queries_do_not_grow(
    django_assert_num_queries, resident, staff_user, complaint
):
    add_messages(complaint, resident, staff_user, 3)
    with django_assert_num_queries(4):
        few = selectors.thread_for(complaint, staff=True)
    add_messages(complaint, resident, staff_user, 40)
    with django_assert_num_queries(4):
        many = selectors.thread_for(complaint, staff=True)
    assert len(many.messages) == 43 > len(few.messages)
    assert ComplaintAttachment.objects.count() == 43
    assert (
        len(selectors.thread_for(complaint, staff=False).messages)
        == ComplaintMessage.objects.filter(internal=False).count()
    )


def test_thread_renders_with_times(client_for, resident, complaint):
    message = services.resident_message_send(complaint=complaint, author=resident, body="看时间")
    text = detail(client_for(resident), complaint)
    assert "看时间" in text
    assert timezone.localtime(message.created_at).strftime("%m-%d %H:%M") in text
