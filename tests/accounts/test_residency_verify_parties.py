"""Issue 14, finding 10: nobody verifies (or rejects) a room binding they are a party to: not
their own, and not one of a room where they live themselves. Otherwise a staff member verifies
their own claim to a flat and then invites anyone into it as family."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import FamilyInvitation, Residency
from kit.models import AuditEntry

from ..factories import ResidencyFactory

REFUSAL = "不能审核与自己有关的房屋绑定"


def pending_binding(room, user=None, relation=Residency.Relation.OWNER) -> Residency:
    extra = {"user": user} if user is not None else {}
    return ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None, relation=relation, **extra
    )


def verify(client, residency):
    return client.post(
        reverse("staff_residents:residency_verify", kwargs={"residency_id": residency.pk}),
        follow=True,
    )


@pytest.mark.req("X-3")
def test_staff_cannot_verify_their_own_binding_and_so_cannot_invite_into_the_flat(
    client_for, staff_user, room
):
    own = pending_binding(room, staff_user)
    response = verify(client_for(staff_user), own)
    own.refresh_from_db()
    assert own.status == Residency.Status.PENDING
    assert REFUSAL in response.content.decode()
    assert not AuditEntry.objects.filter(action="residency.verified").exists()
    # Still unverified: the flat cannot be used to invite anyone.
    with pytest.raises(ValidationError):
        services.family_invite(head=own, actor=staff_user, mobile="13700007777")
    assert not FamilyInvitation.objects.exists()


@pytest.mark.req("X-3")
def test_a_household_member_cannot_verify_another_binding_of_their_room(
    client_for, staff_user, room
):
    # The staff member already lives in the room (verified earlier by someone else).
    ResidencyFactory(room=room, user=staff_user)
    tenant = pending_binding(room, relation=Residency.Relation.TENANT)
    verify(client_for(staff_user), tenant)
    tenant.refresh_from_db()
    assert tenant.status == Residency.Status.PENDING
    with pytest.raises(ValidationError, match=REFUSAL):
        services.residency_reject(residency=tenant, actor=staff_user, reason="不认识")
    tenant.refresh_from_db()
    assert tenant.status == Residency.Status.PENDING


@pytest.mark.req("X-3")
def test_a_pending_claim_to_the_same_room_is_a_party_too(staff_user, room):
    pending_binding(room, staff_user)
    rival = pending_binding(room, relation=Residency.Relation.TENANT)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.residency_verify(residency=rival, actor=staff_user)


@pytest.mark.req("X-3")
def test_a_colleague_who_is_no_party_verifies_it(client_for, staff_user, manager, room):
    own = pending_binding(room, staff_user)
    verify(client_for(manager), own)
    own.refresh_from_db()
    assert own.status == Residency.Status.VERIFIED and own.verified_by == manager


@pytest.mark.req("X-3")
def test_someone_who_moved_out_is_no_longer_a_party(staff_user, room):
    ResidencyFactory(room=room, user=staff_user, status=Residency.Status.ENDED)
    newcomer = pending_binding(room)
    services.residency_verify(residency=newcomer, actor=staff_user)
    newcomer.refresh_from_db()
    assert newcomer.status == Residency.Status.VERIFIED
