"""家庭成员 (ACC-5): an owner or tenant invites by mobile number, the invitee accepts after
logging in, the head removes members at once, and a head's move-out takes the family along."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import FamilyInvitation, Residency
from accounts.sms import outbox
from kit.models import AuditEntry

from ..factories import FamilyInvitationFactory, ResidencyFactory, RoomFactory, UserFactory

FAMILY = reverse("accounts:family")


@pytest.fixture
def head(resident):
    return Residency.objects.get(user=resident)


@pytest.fixture
def invitee(db):
    return UserFactory(display_name="张小明", mobile="13900000077")


@pytest.fixture
def member(head):
    """A family member who joined through an invitation (so with a head)."""
    return ResidencyFactory(
        room=head.room,
        relation=Residency.Relation.FAMILY,
        head=head,
        user__display_name="张小红",
        user__mobile="13900000078",
    )


def invite(client, head, mobile):
    return client.post(
        reverse("accounts:family_invite", args=[head.pk]), {f"h{head.pk}-mobile": mobile}
    )


def form_errors(response, head):
    return response.context["heads"][[h.pk for h in response.context["heads"]].index(head.pk)]


@pytest.mark.req("ACC-5")
def test_invitation_end_to_end(client, client_for, resident, head, invitee):
    response = invite(client_for(resident), head, "139 0000 0077")
    assert response.status_code == 302
    invitation = FamilyInvitation.objects.get(head=head)
    assert invitation.mobile == "13900000077"
    assert invitation.status == FamilyInvitation.Status.PENDING
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    [sms] = outbox
    assert (sms.phone, sms.template) == ("13900000077", "family_invitation")
    assert sms.params == {"inviter": "张伟", "room": "3栋1201"}
    assert AuditEntry.objects.filter(action="family.invited", actor=resident).exists()

    client.logout()
    client.force_login(invitee)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "张伟" in home and "3栋1201" in home
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) in home
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) in (
        client.get(FAMILY).content.decode()
    )

    response = client.post(reverse("accounts:invitation_accept", args=[invitation.pk]))
    assert response.status_code == 302
    joined = Residency.objects.get(user=invitee)
    assert (joined.relation, joined.status, joined.head, joined.room) == (
        Residency.Relation.FAMILY,
        Residency.Status.VERIFIED,
        head,
        head.room,
    )
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.ACCEPTED
    assert invitation.residency == joined
    assert list(selectors.verified_rooms_of_user(invitee)) == [head.room]
    home = client.get(reverse("accounts:home")).content.decode()
    assert "张伟" in home and "张小明" in home and "已认证" in home
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) not in home
    assert AuditEntry.objects.filter(action="family.joined", actor=invitee).exists()

    page = client_for(resident).get(FAMILY).content.decode()
    assert "张小明" in page
    assert reverse("accounts:family_member_remove", args=[joined.pk]) in page


@pytest.mark.req("ACC-5")
def test_an_invitation_to_oneself_is_refused(client_for, resident, head):
    response = invite(client_for(resident), head, resident.mobile)
    assert response.status_code == 200
    assert form_errors(response, head).invite_form.errors["mobile"]
    assert not FamilyInvitation.objects.exists() and not outbox


@pytest.mark.req("ACC-5")
def test_a_number_already_in_the_household_is_refused(client_for, resident, head, member):
    response = invite(client_for(resident), head, member.user.mobile)
    assert form_errors(response, head).invite_form.errors["mobile"]
    assert not FamilyInvitation.objects.exists() and not outbox


@pytest.mark.req("ACC-5")
@pytest.mark.parametrize("mobile", ["+1 415 555 0100", "12345", "23900000077", "139000000771", ""])
def test_invalid_and_foreign_numbers_are_refused_and_kept(client_for, resident, head, mobile):
    response = invite(client_for(resident), head, mobile)
    assert response.status_code == 200
    form = form_errors(response, head).invite_form
    assert form.errors["mobile"]
    if mobile:
        assert f'value="{mobile}"' in response.content.decode()
    assert not FamilyInvitation.objects.exists() and not outbox


@pytest.mark.req("ACC-5")
def test_a_second_invitation_while_the_first_is_open_is_refused(client_for, resident, head):
    client = client_for(resident)
    assert invite(client, head, "13900000077").status_code == 302
    response = invite(client, head, "13900000077")
    assert form_errors(response, head).invite_form.errors["mobile"]
    assert FamilyInvitation.objects.count() == 1 and len(outbox) == 1


@pytest.mark.req("ACC-5")
def test_an_expired_invitation_is_renewed_by_inviting_again(client_for, resident, head):
    old = FamilyInvitationFactory(
        head=head, mobile="13900000077", expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert invite(client_for(resident), head, "13900000077").status_code == 302
    old.refresh_from_db()
    assert old.is_open and FamilyInvitation.objects.count() == 1 and len(outbox) == 1


@pytest.mark.req("ACC-5")
def test_a_family_member_cannot_invite(client_for, member):
    response = invite(client_for(member.user), member, "13900000077")
    assert response.status_code == 302
    assert not FamilyInvitation.objects.exists() and not outbox
    with pytest.raises(ValidationError):
        services.family_invite(head=member, actor=member.user, mobile="13900000077")


@pytest.mark.req("ACC-5", "X-1")
def test_inviting_for_someone_elses_household_is_a_404(client_for, head, outsider):
    assert invite(client_for(outsider), head, "13900000077").status_code == 404
    assert not FamilyInvitation.objects.exists()


@pytest.mark.req("ACC-5")
def test_a_pending_binding_cannot_invite(client_for, room):
    pending = ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
    assert invite(client_for(pending.user), pending, "13900000077").status_code == 404
    with pytest.raises(ValidationError):
        services.family_invite(head=pending, actor=pending.user, mobile="13900000077")


@pytest.mark.req("ACC-5")
def test_invitations_per_household_are_limited(client_for, resident, head):
    client = client_for(resident)
    for n in range(services.INVITATIONS_PER_HOUSEHOLD_PER_DAY):
        assert invite(client, head, f"1370000{n:04d}").status_code == 302
    response = invite(client, head, "13799999999")
    assert form_errors(response, head).invite_form.errors["mobile"]
    assert len(outbox) == services.INVITATIONS_PER_HOUSEHOLD_PER_DAY


@pytest.fixture
def invitation(head, invitee):
    return FamilyInvitationFactory(head=head, mobile=invitee.mobile)


@pytest.mark.req("ACC-5")
def test_someone_else_cannot_accept(client_for, invitation, outsider, family_member):
    for intruder in (outsider, family_member):
        client = client_for(intruder)
        assert (
            client.post(reverse("accounts:invitation_accept", args=[invitation.pk])).status_code
            == 404
        )
        page = client.get(FAMILY).content.decode()
        assert reverse("accounts:invitation_accept", args=[invitation.pk]) not in page
    with pytest.raises(ValidationError):
        services.family_invitation_accept(invitation=invitation, user=outsider)
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.PENDING
    assert not Residency.objects.filter(user=outsider, room=invitation.head.room).exists()


@pytest.mark.req("ACC-5")
def test_an_expired_invitation_cannot_be_accepted(client_for, invitation, invitee):
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    client = client_for(invitee)
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) not in (
        client.get(reverse("accounts:home")).content.decode()
    )
    response = client.post(reverse("accounts:invitation_accept", args=[invitation.pk]))
    assert response.status_code == 302
    assert not Residency.objects.filter(user=invitee).exists()
    with pytest.raises(ValidationError, match="expired|过期"):
        services.family_invitation_accept(invitation=invitation, user=invitee)


@pytest.mark.req("ACC-5")
def test_a_withdrawn_invitation_cannot_be_accepted(client_for, resident, invitation, invitee):
    url = reverse("accounts:family_invitation_revoke", args=[invitation.pk])
    assert client_for(resident).get(url).status_code == 405
    assert client_for(resident).post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.REVOKED
    client_for(invitee).post(reverse("accounts:invitation_accept", args=[invitation.pk]))
    assert not Residency.objects.filter(user=invitee).exists()
    assert AuditEntry.objects.filter(action="family.invitation_withdrawn").exists()


@pytest.mark.req("ACC-5")
def test_only_the_head_withdraws_invitations(client_for, invitation, member, outsider):
    url = reverse("accounts:family_invitation_revoke", args=[invitation.pk])
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(member.user).post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.PENDING


@pytest.mark.req("ACC-5")
def test_accepting_twice_makes_one_residency(client_for, invitation, invitee):
    client = client_for(invitee)
    url = reverse("accounts:invitation_accept", args=[invitation.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    client.post(url)
    assert Residency.objects.filter(user=invitee).count() == 1
    with pytest.raises(ValidationError):
        services.family_invitation_accept(invitation=invitation, user=invitee)


@pytest.mark.req("ACC-5")
def test_a_binding_made_at_the_same_moment_is_a_message_not_a_500(client_for, invitation, invitee):
    """Two households of one room invite the same person, who accepts both at once: the
    second insert meets the one-active-residency constraint after its own check passed."""
    from django.db.models.signals import pre_save

    def the_other_tab(sender, instance, **kwargs):
        if instance.pk is None and instance.user_id == invitee.pk:
            Residency.objects.bulk_create(
                [Residency(user=invitee, room=instance.room, relation=Residency.Relation.FAMILY)]
            )

    pre_save.connect(the_other_tab, sender=Residency)
    try:
        response = client_for(invitee).post(
            reverse("accounts:invitation_accept", args=[invitation.pk])
        )
    finally:
        pre_save.disconnect(the_other_tab, sender=Residency)
    assert response.status_code == 302
    assert response["Location"] == FAMILY
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.PENDING


@pytest.mark.req("ACC-5")
def test_an_invitee_with_an_unverified_number_cannot_accept(invitation, invitee):
    invitee.mobile_verified = False
    invitee.save()
    with pytest.raises(ValidationError):
        services.family_invitation_accept(invitation=invitation, user=invitee)


@pytest.mark.req("ACC-5")
def test_decline(client_for, invitation, invitee):
    client = client_for(invitee)
    assert (
        client.post(reverse("accounts:invitation_decline", args=[invitation.pk])).status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.status == FamilyInvitation.Status.DECLINED
    assert not Residency.objects.filter(user=invitee).exists()
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) not in (
        client.get(reverse("accounts:home")).content.decode()
    )


@pytest.mark.req("ACC-5")
def test_the_head_removes_a_member_and_their_access_ends_at_once(client_for, resident, member):
    assert list(selectors.verified_rooms_of_user(member.user)) == [member.room]
    url = reverse("accounts:family_member_remove", args=[member.pk])
    assert client_for(resident).get(url).status_code == 405
    assert client_for(resident).post(url).status_code == 302
    member.refresh_from_db()
    assert member.status == Residency.Status.ENDED and member.ended_at is not None
    assert not selectors.verified_rooms_of_user(member.user).exists()
    assert not selectors.household_member_residencies(member.user).exists()
    body = client_for(member.user).get(reverse("accounts:home")).content.decode()
    assert "3栋1201" not in body
    entry = AuditEntry.objects.get(action="residency.ended", target_id=str(member.pk))
    assert entry.actor == resident


@pytest.mark.req("ACC-5")
def test_a_family_member_cannot_remove_anyone(client_for, head, member, room):
    sibling = ResidencyFactory(room=room, relation=Residency.Relation.FAMILY, head=head)
    client = client_for(member.user)
    for target in (sibling, head):
        client.post(reverse("accounts:family_member_remove", args=[target.pk]))
        target.refresh_from_db()
        assert target.status == Residency.Status.VERIFIED
    with pytest.raises(ValidationError):
        services.family_member_remove(member=sibling, actor=member.user)


@pytest.mark.req("ACC-5", "X-1")
def test_removing_in_someone_elses_household_is_a_404(client_for, member, outsider):
    url = reverse("accounts:family_member_remove", args=[member.pk])
    assert client_for(outsider).post(url).status_code == 404
    member.refresh_from_db()
    assert member.status == Residency.Status.VERIFIED


@pytest.mark.req("ACC-5")
def test_the_heads_move_out_ends_the_family_too(head, member, manager, invitation):
    services.residency_end(residency=head, actor=manager, reason="搬离")
    head.refresh_from_db()
    member.refresh_from_db()
    invitation.refresh_from_db()
    assert head.status == member.status == Residency.Status.ENDED
    assert head.ended_at and member.ended_at
    assert invitation.status == FamilyInvitation.Status.REVOKED
    assert not selectors.verified_rooms_of_user(member.user).exists()
    assert AuditEntry.objects.filter(action="residency.ended").count() == 2
    with pytest.raises(ValidationError):
        services.residency_end(residency=head, actor=manager)


@pytest.mark.req("ACC-5")
def test_a_tenant_household_works_the_same_under_its_tenant(client_for, client, head, member, room):
    tenant = ResidencyFactory(room=room, relation=Residency.Relation.TENANT)
    guest = UserFactory(mobile="13900000099")
    assert invite(client_for(tenant.user), tenant, guest.mobile).status_code == 302
    invitation = FamilyInvitation.objects.get(head=tenant)
    client.force_login(guest)
    client.post(reverse("accounts:invitation_accept", args=[invitation.pk]))
    joined = Residency.objects.get(user=guest)
    assert joined.head == tenant
    # Each head manages only their own household in the room.
    owner_page = client_for(head.user).get(FAMILY)
    assert [m.pk for h in owner_page.context["heads"] for m in h.current_members] == [member.pk]
    client_for(head.user).post(reverse("accounts:family_member_remove", args=[joined.pk]))
    joined.refresh_from_db()
    assert joined.status == Residency.Status.VERIFIED
    # The tenant moving out takes their family along, not the owner's.
    services.residency_end(residency=tenant, actor=tenant.user)
    joined.refresh_from_db()
    member.refresh_from_db()
    assert joined.status == Residency.Status.ENDED
    assert member.status == Residency.Status.VERIFIED


@pytest.mark.req("ACC-5", "X-1")
def test_the_other_community_sees_nothing_of_this_household(
    client_for, outsider, member, invitation
):
    body = client_for(outsider).get(FAMILY).content.decode()
    assert "张伟" not in body and "张小红" not in body and "3栋1201" not in body
    assert selectors.get_household_residency_for_user(outsider, member.pk) is None
    assert selectors.get_invitation_sent_by_household(outsider, invitation.pk) is None
    assert selectors.get_invitation_for_invitee(outsider, invitation.pk) is None


@pytest.mark.req("ACC-5")
def test_family_page_has_a_bounded_number_of_queries(
    client_for, resident, head, room, django_assert_max_num_queries
):
    for n in range(25):
        ResidencyFactory(room=room, relation=Residency.Relation.FAMILY, head=head)
        FamilyInvitationFactory(head=head, mobile=f"1370000{n:04d}")
    # Numbered beside 1201: a factory sequence number could be 1201 itself (test order).
    second_room = RoomFactory(building=room.building, number="1202", floor=12)
    second_head = ResidencyFactory(user=resident, room=second_room)
    for _ in range(10):
        ResidencyFactory(
            room=second_head.room, relation=Residency.Relation.FAMILY, head=second_head
        )
    client = client_for(resident)
    client.get(FAMILY)  # the tab bar's badges come from the cache from now on (kit.cache)
    with django_assert_max_num_queries(9):
        response = client.get(FAMILY)
    assert response.status_code == 200
    assert len(response.context["heads"]) == 2


@pytest.mark.req("ACC-5")
def test_operators_read_invitations_in_the_admin(client_for, operator, invitation):
    client = client_for(operator)
    body = client.get(reverse("admin:accounts_familyinvitation_changelist")).content.decode()
    assert "139****0077" in body
    url = reverse("admin:accounts_familyinvitation_change", args=[invitation.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:accounts_familyinvitation_add")).status_code == 403


@pytest.mark.req("ACC-5", "ACC-1")
def test_an_invitation_text_obeys_the_per_number_sms_limit(
    client, client_for, resident, head, settings
):
    """A number that has had its texts for the hour gets no invitation text either: the
    refusal shows next to the field, with the number as typed, and nothing is saved."""
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "number": ["1/h"]}
    client.post("/accounts/login/code/", {"phone": "13900000077"})
    assert len(outbox) == 1
    response = invite(client_for(resident), head, "139 0000 0077")
    assert response.status_code == 200
    errors = form_errors(response, head).invite_form.errors["mobile"]
    # "Try again in N minutes", or "in N seconds" when the hour's window ends within two.
    assert re.fullmatch(r"获取验证码次数过多，请\d+分钟后再试。|请\d+秒后再获取验证码。", errors[0])
    assert 'value="139 0000 0077"' in response.content.decode()
    assert not FamilyInvitation.objects.exists() and len(outbox) == 1
    assert not AuditEntry.objects.filter(action="family.invited").exists()


@pytest.mark.req("ACC-5", "ACC-1")
def test_the_invitee_can_ask_for_a_sign_up_code_at_once(client_for, resident, head):
    """The invitation is no code: it leaves the number's one-minute interval free."""
    assert invite(client_for(resident), head, "13900000077").status_code == 302
    Client().post("/accounts/signup/", {"action": "send_code", "phone": "13900000077"})
    assert [m.template for m in outbox] == ["family_invitation", "verification_code"]


@pytest.mark.req("ACC-5", "ACC-1")
def test_invitation_texts_obey_the_per_ip_sms_limit(client_for, resident, head, settings):
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "ip": ["2/h"]}
    client = client_for(resident)
    assert invite(client, head, "13700000001").status_code == 302
    assert invite(client, head, "13700000002").status_code == 302
    response = invite(client, head, "13700000003")
    assert response.status_code == 200
    assert form_errors(response, head).invite_form.errors["mobile"]
    assert 'value="13700000003"' in response.content.decode()
    assert FamilyInvitation.objects.count() == 2 and len(outbox) == 2


@pytest.mark.req("ACC-5")
def test_a_refused_invitation_uses_up_no_text(client_for, resident, head):
    """Refusals of the invitation itself (here: inviting oneself) leave the limits alone."""
    client = client_for(resident)
    invite(client, head, resident.mobile)
    assert invite(client, head, "13900000077").status_code == 302
    Client().post("/accounts/login/code/", {"phone": resident.mobile})
    assert [message.phone for message in outbox] == ["13900000077", resident.mobile]


@pytest.mark.req("ACC-5", "X-1")
def test_the_households_of_a_user_are_their_own_and_those_they_are_a_verified_member_of(
    resident, head, member
):
    # The member also owns a room of their own, and was once in a third household, now ended.
    own = ResidencyFactory(user=member.user)
    former_head = ResidencyFactory()
    ResidencyFactory(
        room=former_head.room, user=member.user, relation=Residency.Relation.FAMILY,
        head=former_head, status=Residency.Status.ENDED,
    )  # fmt: skip
    # A household whose head is no longer verified gives its members nothing.
    ended_head = ResidencyFactory(status=Residency.Status.ENDED)
    ResidencyFactory(
        room=ended_head.room, user=member.user, relation=Residency.Relation.FAMILY,
        head=ended_head,
    )  # fmt: skip
    # Someone else's pending binding to the head's room gives the member nothing either.
    ResidencyFactory(room=head.room, status=Residency.Status.PENDING, verified_at=None)

    def households(user):
        return set(selectors.household_ids_of_user(user).values_list("pk", flat=True))

    assert households(member.user) == {head.pk, own.pk}
    assert households(resident) == {head.pk}
    assert households(former_head.user) == {former_head.pk}
    assert households(UserFactory()) == set()
    member.status = Residency.Status.ENDED
    member.save()
    assert households(member.user) == {own.pk}
