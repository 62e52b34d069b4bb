"""What a resident sees is cached under the scopes of their rooms (accounts.selectors.
resident_cache_scopes), themselves cached: every residency change through accounts.services
shows at once (issue 21)."""

import pytest

from accounts import selectors, services
from accounts.models import Residency, User
from tests.factories import FamilyInvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def scopes(user) -> tuple[str, ...]:
    # A fresh object: the scopes are kept on the user object for one request.
    return selectors.resident_cache_scopes(User.objects.get(pk=user.pk))


def rooms_in(user) -> set[str]:
    return {scope for scope in scopes(user) if scope.startswith("household:")}


def test_the_scopes_name_the_user_the_verified_rooms_and_their_communities(resident, room):
    assert scopes(resident) == (
        f"user:{resident.pk}",
        f"household:{room.pk}",
        f"community:{room.building.community_id}",
    )


def test_a_request_verified_then_ended(room, manager):
    user = UserFactory()
    assert rooms_in(user) == set()
    residency = services.residency_request(user=user, room=room, relation="tenant")
    assert rooms_in(user) == set()  # pending gives nothing
    services.residency_verify(residency=residency, actor=manager)
    assert rooms_in(user) == {f"household:{room.pk}"}
    services.residency_end(residency=residency, actor=manager)
    assert rooms_in(user) == set()


def test_a_family_member_joins_and_is_removed(resident, room):
    head = Residency.objects.get(user=resident)
    invitee = UserFactory(mobile="13900000077")
    assert rooms_in(invitee) == set()
    invitation = FamilyInvitationFactory(head=head, mobile=invitee.mobile)
    member = services.family_invitation_accept(invitation=invitation, user=invitee)
    assert rooms_in(invitee) == {f"household:{room.pk}"}
    services.family_member_remove(member=member, actor=resident)
    assert rooms_in(invitee) == set()


def test_the_head_moving_out_takes_the_family_with_them(resident, family_member, room, manager):
    assert rooms_in(family_member) == {f"household:{room.pk}"}
    services.residency_end(residency=Residency.objects.get(user=resident), actor=manager)
    assert rooms_in(resident) == rooms_in(family_member) == set()


def test_a_rejected_or_withdrawn_request_gives_nothing(room, manager):
    user = UserFactory()
    for _ in range(2):
        residency = services.residency_request(user=user, room=room, relation="tenant")
        assert rooms_in(user) == set()
        if residency.pk % 2:
            services.residency_reject(residency=residency, actor=manager, reason="证件不清")
        else:
            services.residency_withdraw(residency=residency, actor=user)
        assert rooms_in(user) == set()


def test_another_persons_rooms_never_appear(resident, outsider, outsider_room):
    assert rooms_in(outsider) == {f"household:{outsider_room.pk}"}
    assert f"household:{outsider_room.pk}" not in rooms_in(resident)
