"""A bill run's notifications go through the outbox (notices.fanout, issue 14 finding 15):
publishing while the broker is down succeeds and notifies nobody yet; the run page says how
many people have been told (「正在通知住户（已通知 X / Y）」, then 「已通知」) and never claims a
delivery that did not happen; the sweep finishes the fan-out, once per person, however often
it runs. tests/test_fault_fan_out.py does the same with a real Redis and a real worker."""

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from billing import services
from billing.models import BillRun
from notices import fanout, notify
from notices.models import FanOut, Message
from notices.tasks import deliver_task, fan_out_task, sweep_task
from tests.factories import ResidencyFactory, RoomFactory

pytestmark = pytest.mark.django_db

NEW = reverse("billing_staff:run_new")


@pytest.fixture
def broker_down(monkeypatch):
    """Every task handed to the broker fails as it does when Redis is stopped."""
    from billing.tasks import notify_run_published_task

    def refuse(task, args=None, kwargs=None, **options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (fan_out_task, deliver_task, notify_run_published_task):
        monkeypatch.setattr(task.__class__, "apply_async", refuse)

    def back():
        """Redis is back: tasks run in-process again, as tests/conftest.py has them."""
        for task in (fan_out_task, deliver_task, notify_run_published_task):
            monkeypatch.setattr(
                task.__class__,
                "apply_async",
                lambda task, args=None, kwargs=None, **options: task.apply(args, kwargs),
            )

    return back


@pytest.fixture
def households(community, room, resident, family_member):
    """`room` (two people) and a second room with its owner: three people in all."""
    other = RoomFactory(building=room.building, number="1202", floor=12)
    owner = ResidencyFactory(room=other, user__display_name="李娜").user
    return [resident, family_member, owner]


def publish(client, run):
    return client.post(reverse("billing_staff:run_publish", args=[run.pk]))


def run_page(client, run) -> str:
    response = client.get(reverse("billing_staff:run_detail", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


def messages_per_person(run) -> dict[int, int]:
    counts: dict[int, int] = {}
    for recipient in Message.objects.filter(
        event="bill.published", object_id=str(run.pk)
    ).values_list("recipient_id", flat=True):
        counts[recipient] = counts.get(recipient, 0) + 1
    return counts


def test_publishing_while_the_broker_is_down_succeeds_and_the_sweep_notifies_everyone_once(
    client_for, cashier, property_rule, households, broker_down, django_capture_on_commit_callbacks
):
    client = client_for(cashier)
    client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    run = BillRun.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = publish(client, run)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == BillRun.Status.PUBLISHED
    assert not Message.objects.filter(event="bill.published").exists()
    page = run_page(client, run)
    assert "已收到通知" not in page and "已通知</" not in page
    assert "正在通知住户（已通知0 / 3）" in page

    broker_down()  # Redis is back; beat runs the sweep
    with django_capture_on_commit_callbacks(execute=True):
        sweep_task.apply()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_task.apply()  # and again: nothing more
    assert messages_per_person(run) == {person.pk: 1 for person in households}
    page = run_page(client, run)
    assert "已通知" in page and "（3人）" in page
    assert "正在通知住户" not in page


def test_the_run_page_counts_the_people_told_so_far(
    client_for, cashier, property_rule, households, resident, broker_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client = client_for(cashier)
    client.post(NEW, {"rules": [property_rule.pk], "month": "2025-05"})
    run = BillRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, run)
    # A worker that died after its first chunk: one person has the message.
    fan_out = FanOut.objects.get()
    plan = services.run_published_plan(run)
    notify.notify("bill.published", [resident.pk], obj=run, context=plan.context)
    assert "正在通知住户（已通知1 / 3）" in run_page(client, run)

    broker_down()
    with django_capture_on_commit_callbacks(execute=True):
        fanout.run(fan_out.pk)
    assert messages_per_person(run) == {person.pk: 1 for person in households}
    assert FanOut.objects.get().finished_at is not None


def test_a_fan_out_is_written_once_per_object_and_run_again_adds_nothing(
    community, property_rule, households, manager, django_capture_on_commit_callbacks
):
    import datetime as dt

    run = services.run_create(
        community=community, fee_rules=[property_rule], month=dt.date(2025, 5, 1), actor=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.run_publish(run=run, actor=manager)
    assert FanOut.objects.count() == 1
    fan_out = FanOut.objects.get()
    assert (fan_out.event, fan_out.object_id, fan_out.audience_size) == (
        "bill.published",
        str(run.pk),
        3,
    )
    assert fan_out.finished_at is not None and fan_out.kicked_at is not None
    # The task again (a redelivered message), the old task name, the sweep: nothing new.
    fan_out_task.apply((fan_out.pk,))
    services.notify_run_published(run.pk)
    FanOut.objects.update(finished_at=None, kicked_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_task.apply()
    assert FanOut.objects.count() == 1
    assert messages_per_person(run) == {person.pk: 1 for person in households}


def test_the_sweep_kicks_only_fan_outs_the_broker_refused_or_that_did_not_finish(
    community, property_rule, households, manager, settings, broker_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    import datetime as dt

    from django.utils import timezone

    settings.NOTIFY_FAN_OUT_RETRY_SECONDS = 120
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=dt.date(2025, 5, 1), actor=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.run_publish(run=run, actor=manager)
    fan_out = FanOut.objects.get()
    assert fan_out.kicked_at is None  # refused by the broker
    assert fanout.sweep() == 0  # still down: nothing kicked, nothing raised
    broker_down()
    # Handed over just now (a worker has it): not kicked again before the retry time.
    now = timezone.now()
    FanOut.objects.update(kicked_at=now)
    assert fanout.sweep(now=now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.sweep(now=now + dt.timedelta(seconds=121)) == 1
    assert FanOut.objects.get().finished_at is not None
    assert fanout.sweep(now=now + dt.timedelta(seconds=500)) == 0


def test_operators_see_unfinished_fan_outs_in_the_admin(
    client_for, operator, community, property_rule, households, manager, broker_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    import datetime as dt

    run = services.run_create(
        community=community, fee_rules=[property_rule], month=dt.date(2025, 5, 1), actor=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.run_publish(run=run, actor=manager)
    client = client_for(operator)
    page = client.get(reverse("admin:notices_fanout_changelist") + "?finished_at__isempty=1")
    assert page.status_code == 200
    assert "bill.published" in page.content.decode()
    assert client.get(reverse("admin:notices_fanout_add")).status_code == 403
