"""accounts.access: who may see a proof photo or an avatar, decided from the user alone (no
request, no staff-portal state)."""

import pytest
from guardian.shortcuts import assign_perm

from accounts import access
from accounts.models import Residency

from ..factories import CommunityFactory, ResidencyFactory, RoomFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(room, outsider):
    # Only the residency's row matters here; may_see_proof does not open the file.
    return ResidencyFactory(
        user=outsider, room=room, status=Residency.Status.PENDING, verified_at=None
    )


@pytest.mark.req("ACC-4", "X-1")
def test_proof_access_by_person(pending, outsider, staff_user, manager, operator, outsider_staff):
    assert access.may_see_proof(outsider, pending)
    assert access.may_see_proof(staff_user, pending)
    assert access.may_see_proof(manager, pending)
    assert access.may_see_proof(operator, pending)
    assert not access.may_see_proof(outsider_staff, pending)


@pytest.mark.req("ACC-4", "X-1")
def test_a_duty_granted_for_one_community_opens_proofs_of_that_community_only(
    community, positions, outsider
):
    second = CommunityFactory(company=community.company, name="金桂苑二期")
    user = StaffMemberFactory(communities=[community, second], position_name="维修工").user
    assign_perm("local_view_residency", user, community)
    here = ResidencyFactory(
        user=outsider, room=RoomFactory(building__community=community), status="pending"
    )
    there = ResidencyFactory(
        user=outsider, room=RoomFactory(building__community=second), status="pending"
    )
    assert access.may_see_proof(user, here)
    assert not access.may_see_proof(user, there)


@pytest.mark.req("ACC-4")
def test_proof_getter_needs_a_photo(resident, outsider):
    residency = Residency.objects.get(user=resident)
    assert not residency.proof
    assert access.get_residency_proof_for_viewer(resident, residency.pk) is None
    assert access.get_residency_proof_for_viewer(outsider, 999999) is None


@pytest.mark.req("ACC-4", "X-1")
def test_avatar_access(resident, family_member, outsider):
    assert access.may_see_avatar(resident, resident)
    assert access.may_see_avatar(family_member, resident)
    assert not access.may_see_avatar(outsider, resident)
    # Without an image there is nothing to show, even to oneself.
    assert access.get_avatar_owner_for_viewer(resident, resident.pk) is None
    assert access.get_avatar_owner_for_viewer(outsider, 999999) is None
