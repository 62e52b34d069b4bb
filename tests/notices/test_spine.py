"""The notification spine: notify() writes inbox messages and deliveries once, plans channels by
rule, reachability, mutes and quiet hours, and sends each delivery once (NOT-2). The push
rules are the push part of PSET-1; that ID is named once billing brings the fee rules."""

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from notices import delivery, notify
from notices.models import (
    Delivery,
    Message,
    MutedCategory,
    PushRule,
    PushSettings,
    PushSubscription,
)
from tests.factories import NoticeFactory, ResidencyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("NOT-2")]


def subscribe(user):
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k", auth="a"
    )


def channels_of(user):
    return sorted(
        Delivery.objects.filter(message__recipient=user).values_list("channel", flat=True)
    )


@pytest.fixture
def daytime(time_machine):
    noon = timezone.make_aware(dt.datetime(2026, 11, 30, 12, 0))
    time_machine.move_to(noon, tick=False)
    return noon


def send(event, users, **kwargs):
    context = {"notice": NoticeFactory(title="明日停水")}
    kwargs.pop("context", None)
    return notify.notify(event, users, context=context, **kwargs)


def test_inbox_always_and_one_push_by_fallback(
    resident, family_member, room, daytime, push_outbox, django_capture_on_commit_callbacks
):
    SocialAccount.objects.create(user=resident, provider="weixin_mp", uid="o-1")
    subscribe(resident)
    subscribe(family_member)
    lonely = ResidencyFactory(room=room).user
    with django_capture_on_commit_callbacks(execute=True):
        created = send(
            "notice.published", [resident, family_member, lonely], context={"notice": None}
        )
    assert created == 3
    assert Message.objects.count() == 3
    assert channels_of(resident) == ["wechat"]  # WeChat users get WeChat, not also Web Push
    assert channels_of(family_member) == ["webpush"]
    assert channels_of(lonely) == []  # the inbox only: normal importance sends no SMS
    assert sorted((m.channel, m.user_id) for m in push_outbox) == sorted(
        [("wechat", resident.pk), ("webpush", family_member.pk)]
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_calling_again_adds_and_sends_nothing(
    resident, daytime, push_outbox, django_capture_on_commit_callbacks
):
    subscribe(resident)
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident], context={"notice": None}, key="x")
        assert send("notice.published", [resident], context={"notice": None}, key="x") == 0
    assert Message.objects.count() == 1 and Delivery.objects.count() == 1
    assert len(push_outbox) == 1
    assert delivery.deliver(list(Delivery.objects.values_list("pk", flat=True))) == {
        "sent": 0, "failed": 0, "retry": 0, "skipped": 1,
    }  # fmt: skip
    assert len(push_outbox) == 1


def test_urgent_adds_sms_and_ignores_mutes_and_quiet_hours(
    resident,
    family_member,
    time_machine,
    quiet_hours,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    night = timezone.make_aware(dt.datetime(2026, 11, 30, 23, 30))
    time_machine.move_to(night, tick=False)
    subscribe(family_member)
    MutedCategory.objects.create(user=family_member, category="notices")
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident, family_member], importance="urgent", context={})
    assert channels_of(resident) == ["sms"]
    assert channels_of(family_member) == ["sms", "webpush"]
    assert {m.phone for m in sms_outbox} == {resident.mobile, family_member.mobile}


def test_quiet_hours_defer_non_urgent_pushes_until_morning(
    resident, time_machine, quiet_hours, push_outbox, django_capture_on_commit_callbacks
):
    night = timezone.make_aware(dt.datetime(2026, 11, 30, 23, 30))
    time_machine.move_to(night, tick=False)
    subscribe(resident)
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident], context={})
    waiting = Delivery.objects.get()
    assert waiting.status == "queued" and push_outbox == []
    assert timezone.localtime(waiting.next_attempt_at).time() == dt.time(8, 0)
    assert Message.objects.get().title  # the inbox has it at once
    morning = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 1))
    time_machine.move_to(morning, tick=False)
    assert delivery.sweep()["dispatched"] == 1
    assert [m.channel for m in push_outbox] == ["webpush"]


def test_operators_rules_and_quiet_hours_are_used(
    resident, daytime, django_capture_on_commit_callbacks
):
    subscribe(resident)
    PushRule.objects.update_or_create(
        event="notice.published",
        importance="normal",
        defaults={"webpush": False, "sms": "fallback"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident], context={})
    assert channels_of(resident) == ["sms"]
    settings_row = PushSettings.load()
    settings_row.quiet_hours_enabled = True
    settings_row.quiet_start, settings_row.quiet_end = dt.time(11, 0), dt.time(13, 0)
    settings_row.save()
    assert notify.quiet_until(daytime, settings_row) is not None


def test_muted_category_gets_the_inbox_only(resident, daytime, django_capture_on_commit_callbacks):
    subscribe(resident)
    MutedCategory.objects.create(user=resident, category="notices")
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident], context={})
    assert Message.objects.filter(recipient=resident).exists()
    assert channels_of(resident) == []


def test_a_failing_channel_is_recorded_and_retried_then_given_up(
    resident, daytime, monkeypatch, django_capture_on_commit_callbacks
):
    from notices.channels import DeliveryError, LocmemBackend

    def refuse(self, delivery):
        raise DeliveryError("503 from the push service")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    subscribe(resident)
    with django_capture_on_commit_callbacks(execute=True):
        send("notice.published", [resident], context={})
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "503 from the push service")
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        Delivery.objects.update(next_attempt_at=timezone.now())
        delivery.deliver([row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)


def test_a_send_lost_with_its_worker(resident, daytime, settings):
    subscribe(resident)
    SocialAccount.objects.create(user=resident, provider="weixin_mp", uid="o-1")
    notify.notify("notice.published", [resident], context={}, key="a")
    # Web Push was claimed and its worker died; so was the WeChat message of another event.
    Delivery.objects.update(status="sending", claimed_at=daytime - dt.timedelta(minutes=10))
    result = delivery.sweep()
    assert result["abandoned"] == 1  # WeChat: not resent, it might have arrived
    assert Delivery.objects.get().status == "failed"


def test_texts_are_plain_text_without_entities(resident, daytime):
    notice = NoticeFactory(title="水电 & 燃气", body="<p>今晚&nbsp;20:00 停电 &lt;3栋&gt;</p>")
    notify.notify("notice.published", [resident], obj=notice, context={"notice": notice})
    message = Message.objects.get()
    assert message.title == "水电 & 燃气"
    assert message.body.endswith("今晚 20:00 停电 <3栋>")


def test_vapid_keys_command_prints_a_usable_pair():
    import base64
    import io

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.core.management import call_command

    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    private = int.from_bytes(base64.urlsafe_b64decode(lines["WEBPUSH_VAPID_PRIVATE_KEY"] + "="))
    public = ec.derive_private_key(private, ec.SECP256R1()).public_key()
    assert base64.urlsafe_b64decode(lines["WEBPUSH_VAPID_PUBLIC_KEY"] + "=") == public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def test_notify_writes_in_a_fixed_number_of_queries(community, daytime):
    """The hot path of every fan-out: the query count does not grow with the recipients (up to
    a chunk; each further chunk adds the same fixed number)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import BuildingFactory, RoomFactory

    building = BuildingFactory(community=community)
    users = [ResidencyFactory(room=RoomFactory(building=building)).user for _ in range(40)]
    for user in users[::2]:
        subscribe(user)
    notice = NoticeFactory(community=community)

    def queries(recipients, key):
        with CaptureQueriesContext(connection) as captured:
            notify.notify(
                "notice.published", recipients, obj=notice, key=key, context={"notice": notice}
            )
        return len(captured)

    queries(users[:1], "warm")  # content types and settings rows are cached after this
    few, many = queries(users[:4], "few"), queries(users, "many")
    assert few == many
    assert Delivery.objects.filter(message__key="many").count() == 20


def test_a_second_call_over_overlapping_recipients_writes_only_the_new_ones(
    community, daytime, django_capture_on_commit_callbacks
):
    """The chunk writer (on PostgreSQL one INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING
    RETURNING for the messages and one for the deliveries): only people without the message get
    one, each delivery points at its own person's message, and none is written twice."""
    from tests.factories import BuildingFactory, RoomFactory

    building = BuildingFactory(community=community)
    users = [ResidencyFactory(room=RoomFactory(building=building)).user for _ in range(6)]
    for user in users[::2]:
        subscribe(user)
    notice = NoticeFactory(community=community)

    def send_to(recipients):
        with django_capture_on_commit_callbacks(execute=True):
            return notify.notify(
                "notice.published", recipients, obj=notice, importance="urgent",
                context={"notice": notice},
            )  # fmt: skip

    assert send_to(users[:4]) == 4
    assert send_to(list(reversed(users))) == 2
    assert send_to(users) == 0
    messages = Message.objects.filter(object_id=str(notice.pk))
    assert sorted(messages.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users)
    assert {m.title for m in messages} == {messages[0].title} and messages[0].title
    for user in users:
        expected = ["sms", "webpush"] if user in users[::2] else ["sms"]
        assert channels_of(user) == expected
    assert not Delivery.objects.filter(dispatched_at__isnull=True).exists()
    assert not Delivery.objects.exclude(message__recipient__in=users).exists()


def test_nothing_waits_between_the_claim_and_the_send(resident, daytime, monkeypatch):
    """A worker killed between claiming a delivery and calling its provider loses the message
    (the sweep cannot resend a WeChat or SMS message safely): the claim is the last query
    before the provider's call, and what the backend reads was loaded before the claim."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notices.channels import LocmemBackend

    SocialAccount.objects.create(user=resident, provider="weixin_mp", uid="o-1")
    notify.notify("notice.published", [resident], context={}, key="a")
    row = Delivery.objects.get()
    seen = {}

    def watch(self, sent):
        seen["last"] = context.captured_queries[-1]["sql"]
        seen["count"] = len(context.captured_queries)
        seen["recipient"] = sent.message.recipient.mobile  # no query: loaded before the claim
        seen["after"] = len(context.captured_queries)

    monkeypatch.setattr(LocmemBackend, "send", watch)
    with CaptureQueriesContext(connection) as context:
        assert delivery.deliver_one(row.pk) == "sent"
    assert seen["last"].startswith("UPDATE") and '"status" = ' in seen["last"]
    assert seen["count"] == seen["after"] == 2  # the read, then the claim
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert delivery.deliver_one(row.pk) == "skipped"
