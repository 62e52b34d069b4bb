"""Internal notes never reach a resident (SCMP-1, CMP-3): not on any resident page of the
complaints app (the hub, the detail page, every other page that takes the complaint), not as
a file download (404), not in the inbox, pushes or SMS, not in the unread counts. Staff see
them, marked as internal."""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Residency
from complaints.conversation import selectors, services
from complaints.models import ComplaintAttachment
from notices.models import Message, PushRule, PushSubscription
from tests.factories import ComplaintFactory, photo_upload

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1"), pytest.mark.req("CMP-3")]

NOTE = "内部：该住户投诉较多，注意沟通方式"
PUBLIC = "您好，已安排保洁今天下午清运"


@pytest.fixture
def complaint(resident, room):
    return ComplaintFactory(household=Residency.objects.get(user=resident, room=room))


@pytest.fixture
def daytime(time_machine):
    """Outside the quiet hours, so that pushes and SMS go at once."""
    noon = timezone.make_aware(dt.datetime(2026, 11, 30, 12, 0))
    time_machine.move_to(noon, tick=True)
    return noon


@pytest.fixture
def reachable(daytime, resident, family_member):
    """Everyone of the household gets Web Push and SMS for the conversation's events."""
    for person in (resident, family_member):
        PushSubscription.objects.create(
            user=person, endpoint=f"https://push.example/{person.pk}", p256dh="k", auth="a"
        )
    for event in ("complaint.message", "complaint.status_changed"):
        for importance in ("normal", "important", "urgent"):
            PushRule.objects.update_or_create(
                event=event, importance=importance,
                defaults={"wechat": True, "webpush": True, "sms": "always"},
            )  # fmt: skip


@pytest.fixture
def talked(complaint, staff_user, reachable, django_capture_on_commit_callbacks):
    """A staff message with a photo, and an internal note with a photo."""
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_message_send(
            complaint=complaint, author=staff_user, body=PUBLIC, photos=[photo_upload()]
        )
        note = services.staff_message_send(
            complaint=complaint, author=staff_user, body=NOTE, internal=True,
            photos=[photo_upload("note.jpg")],
        )  # fmt: skip
    return ComplaintAttachment.objects.get(message=note)


def resident_complaint_routes():
    """Every resident URL of the complaints app that takes no keyword but the complaint's
    (or none): the pages other parts add are covered as soon as they exist."""

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name and namespace == "complaints":
                yield f"{namespace}:{entry.name}", entry.pattern.converters.keys()

    return [
        (name, set(keys))
        for name, keys in walk(get_resolver(), "", "")
        if set(keys) <= {"complaint_id"}
    ]


def test_no_resident_page_shows_an_internal_note(
    client_for, resident, family_member, complaint, talked
):
    routes = resident_complaint_routes()
    assert {"complaints:home", "complaints:detail"} <= {name for name, _keys in routes}
    for person in (resident, family_member):
        client = client_for(person)
        for name, keys in routes:
            url = reverse(name, kwargs={"complaint_id": complaint.pk} if keys else {})
            response = client.get(url)
            if response.status_code == 405:
                continue
            text = response.content.decode()
            assert NOTE not in text, name
            assert reverse("complaints:file", args=[complaint.pk, talked.pk]) not in text, name
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert PUBLIC in detail  # the page does show the conversation


def test_an_internal_notes_photo_is_404_for_the_household(client_for, resident, complaint, talked):
    client = client_for(resident)
    url = reverse("complaints:file", args=[complaint.pk, talked.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?thumb=1").status_code == 404
    public = ComplaintAttachment.objects.exclude(pk=talked.pk).get()
    assert client.get(reverse("complaints:file", args=[complaint.pk, public.pk])).status_code == 200


def test_staff_see_the_note_and_its_photo(client_for, staff_user, complaint, talked):
    client = client_for(staff_user)
    text = client.get(reverse("complaints_staff:detail", args=[complaint.pk])).content.decode()
    assert NOTE in text and "内部备注" in text
    assert client.get(reverse("complaints_staff:file", args=[talked.pk])).status_code == 200


def test_no_notification_carries_an_internal_note(
    client_for, resident, family_member, complaint, talked, push_outbox, sms_outbox
):
    household = (resident, family_member)
    messages = Message.objects.filter(recipient__in=household)
    assert messages.count() == 2  # the staff message, once each
    assert all(NOTE not in m.title + m.body for m in messages)
    assert all(PUBLIC[:10] in m.body for m in messages)
    assert push_outbox and all(NOTE not in sent.title + sent.body for sent in push_outbox)
    assert sms_outbox and all(NOTE not in str(sms) for sms in sms_outbox)
    for person in household:
        inbox = client_for(person).get(reverse("notices:inbox")).content.decode()
        assert NOTE not in inbox and PUBLIC[:10] in inbox


def test_a_note_on_its_own_tells_nobody(complaint, staff_user, resident, push_outbox):
    services.staff_message_send(complaint=complaint, author=staff_user, body=NOTE, internal=True)
    assert not Message.objects.exists()
    assert not push_outbox


def test_unread_counts_leave_internal_notes_out_for_residents(
    complaint, staff_user, resident, manager
):
    services.staff_message_send(complaint=complaint, author=staff_user, body=NOTE, internal=True)
    assert selectors.unread_counts(resident, [complaint.pk]) == {}
    assert selectors.unread_counts(manager, [complaint.pk], staff=True) == {complaint.pk: 1}


def test_a_read_marker_never_points_at_a_note(complaint, staff_user, resident):
    services.staff_message_send(complaint=complaint, author=staff_user, body=PUBLIC)
    services.staff_message_send(complaint=complaint, author=staff_user, body=NOTE, internal=True)
    services.mark_read(complaint=complaint, user=resident)
    thread = selectors.thread_for(complaint, staff=True)
    assert [m.body for m in thread.messages if m.pk == thread.read_up_to] == [PUBLIC]
