import pytest

from accounts.models import Residency
from kit.audit import action_label, entries_for, log_action
from kit.models import AuditEntry


@pytest.mark.req("X-3")
def test_log_action_records_who_what_when_and_where(manager, room, rf):
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    entry = log_action(
        actor=manager,
        action="residency.verified",
        target=room,
        community=room.building.community,
        data={"note": "现场核验"},
        request=request,
    )
    entry.refresh_from_db()
    assert entry.actor == manager and entry.actor_label == "陈经理"
    assert entry.target == room and entry.target_label == "3栋1201"
    assert entry.community == room.building.community
    assert entry.data == {"note": "现场核验"}
    assert entry.ip_address == "10.1.2.3"
    assert entry.created_at is not None
    assert list(entries_for(room)) == [entry]


def test_system_actions_have_no_actor(room):
    entry = log_action(actor=None, action="residency.ended", target=room)
    assert entry.actor is None and entry.actor_label == ""


@pytest.mark.req("X-2", "X-3")
def test_actions_are_named_in_chinese(db):
    assert action_label("residency.verified") == "住户认证通过" or "认证" in action_label(
        "residency.verified"
    )
    assert action_label("unknown.action") == "unknown.action"


def test_entries_survive_the_actor_being_deleted(manager, room):
    log_action(actor=manager, action="residency.verified", target=room)
    manager.delete()
    entry = AuditEntry.objects.get(action="residency.verified")
    assert entry.actor is None and entry.actor_label == "陈经理"


def test_every_residency_state_change_is_logged(client_for, staff_user, room):
    from django.urls import reverse

    from ..factories import ResidencyFactory

    first = ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
    second = ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
    client = client_for(staff_user)
    client.post(reverse("staff_residents:residency_verify", kwargs={"residency_id": first.pk}))
    client.post(
        reverse("staff_residents:residency_reject", kwargs={"residency_id": second.pk}),
        {"reason": "资料不全"},
    )
    actions = AuditEntry.objects.filter(action__startswith="residency.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["residency.rejected", "residency.verified"]
