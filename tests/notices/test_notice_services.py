"""Publishing notices through the spine: audience by buildings, scheduled publishing exactly
once, a fan-out that can run again without sending twice, withdrawal (SNOT-1, SNOT-2, NOT-2)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kit.models import AuditEntry
from notices import services
from notices.models import Delivery, Message, Notice, PushSubscription
from tests.factories import BuildingFactory, NoticeFactory, ResidencyFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(community):
    """Three buildings of the community, two residents in each, and a pending binding."""
    buildings = [BuildingFactory(community=community, name=f"{n}栋") for n in (1, 2, 3)]
    people = {}
    for building in buildings:
        for floor in (1, 2):
            residency = ResidencyFactory(room=RoomFactory(building=building, floor=floor))
            people.setdefault(building.pk, []).append(residency.user)
    ResidencyFactory(room=RoomFactory(building=buildings[0]), status="pending", verified_at=None)
    return buildings, people


def publish(community, actor, buildings=(), **fields):
    notice = NoticeFactory.build(community=community, **fields)
    return services.notice_save(
        notice=notice, actor=actor, buildings=list(buildings), publish="now"
    )


@pytest.mark.req("SNOT-1", "NOT-2")
def test_an_urgent_notice_to_two_buildings_reaches_exactly_their_residents(
    estate, community, staff_user, outsider, push_outbox, sms_outbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    buildings, people = estate
    for user in people[buildings[0].pk]:
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k", auth="a"
        )
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(community, staff_user, buildings[:2], importance="urgent")
    expected = {u.pk for b in buildings[:2] for u in people[b.pk]}
    assert set(Message.objects.values_list("recipient_id", flat=True)) == expected
    notice.refresh_from_db()
    assert notice.audience_size == 4 and notice.fanned_out_at is not None
    # One push each where subscribed, and the SMS urgent notices always send.
    assert sorted(m.user_id for m in push_outbox) == sorted(u.pk for u in people[buildings[0].pk])
    assert len(sms_outbox) == 4
    assert AuditEntry.objects.filter(action="notice.published", target_id=str(notice.pk)).exists()


@pytest.mark.req("NOT-2")
def test_fan_out_again_writes_and_sends_nothing_more(
    estate, community, staff_user, push_outbox, django_capture_on_commit_callbacks
):
    buildings, people = estate
    user = people[buildings[0].pk][0]
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(community, staff_user)
    Notice.objects.filter(pk=notice.pk).update(fanned_out_at=None)  # as if the task died
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notice_fan_out(notice_id=notice.pk) == 0
    assert Message.objects.count() == 6 and Delivery.objects.count() == 1
    assert len(push_outbox) == 1


@pytest.mark.req("SNOT-1")
def test_a_scheduled_notice_is_published_once_at_its_time(
    estate, community, staff_user, django_capture_on_commit_callbacks
):
    at = timezone.now() + dt.timedelta(hours=1)
    notice = NoticeFactory.build(community=community, publish_at=at)
    services.notice_save(notice=notice, actor=staff_user, buildings=[], publish="scheduled")
    assert notice.status == "scheduled" and not Message.objects.exists()
    assert services.notices_publish_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notices_publish_due(now=at + dt.timedelta(seconds=5)) == 1
        assert services.notices_publish_due(now=at + dt.timedelta(seconds=65)) == 0
    assert Message.objects.count() == 6
    assert AuditEntry.objects.filter(action="notice.published").count() == 1


@pytest.mark.req("SNOT-1")
def test_bad_schedules_and_foreign_buildings_are_refused(community, other_community, staff_user):
    notice = NoticeFactory.build(community=community, publish_at=timezone.now() - dt.timedelta(1))
    with pytest.raises(ValidationError) as refused:
        services.notice_save(notice=notice, actor=staff_user, buildings=[], publish="scheduled")
    assert "publish_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.notice_save(
            notice=NoticeFactory.build(community=community),
            actor=staff_user,
            buildings=[BuildingFactory(community=other_community)],
        )
    assert "buildings" in refused.value.message_dict


@pytest.mark.req("SNOT-2")
def test_the_body_is_sanitised_and_an_edit_keeps_history(community, staff_user):
    notice = NoticeFactory.build(
        community=community, body='<p onclick="x()">停水<script>alert(1)</script></p>'
    )
    services.notice_save(notice=notice, actor=staff_user, buildings=[], publish="now")
    assert notice.body == "<p>停水</p>"
    notice.title = "停水时间调整"
    services.notice_save(notice=notice, actor=staff_user, buildings=[])
    entry = AuditEntry.objects.get(action="notice.changed")
    assert entry.data["before"]["title"] != "停水时间调整"
    assert entry.data["after"]["title"] == "停水时间调整"


@pytest.mark.req("SNOT-2")
def test_withdrawal_cancels_what_has_not_been_sent(
    estate, community, staff_user, time_machine, quiet_hours, django_capture_on_commit_callbacks
):
    night = timezone.make_aware(dt.datetime(2026, 11, 30, 23, 0))
    time_machine.move_to(night, tick=False)
    buildings, people = estate
    user = people[buildings[0].pk][0]
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(community, staff_user)
    assert Delivery.objects.get().status == "queued"  # quiet hours
    services.notice_withdraw(notice=notice, actor=staff_user)
    assert Delivery.objects.get().status == "skipped"
    assert not Notice.objects.live().filter(pk=notice.pk).exists()
