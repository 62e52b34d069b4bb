"""Issue 14, finding 2: "add staff" is an invitation that the owner of the number accepts with
an SMS code. Whatever the number (a new one, another company's resident or staff, a platform
operator, someone already on our staff), the manager sees the same neutral outcome and learns
nothing about who owns it; only the invitee's acceptance creates the staff membership."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import otp
from accounts.models import User
from accounts.phone import mask_mobile
from kit.models import AuditEntry
from staff import models as staff_models
from staff import services
from staff.models import StaffMember
from staff.positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN

from ..factories import (
    CommunityFactory,
    StaffInvitationFactory,
    StaffMemberFactory,
    UserFactory,
)

NEW_NUMBER = "13700001111"
LINK = re.compile(r"https?://[^/\s]+(/invitations/staff/[\w-]+/)")


def position(name: str) -> Group:
    return Group.objects.get(name=name)


def invite(client, mobile, community, name=CASHIER, display_name="郑收费", **extra):
    return client.post(
        reverse("staff:staff_add"),
        {
            "mobile": mobile,
            "display_name": display_name,
            "position": position(name).pk,
            "communities": [community.pk],
            "employee_number": "",
        }
        | extra,
    )


def link_in(sms_outbox, mobile) -> str:
    [text] = [m for m in sms_outbox if m.phone == mobile and m.template == "staff_invitation"]
    return LINK.search(text.text).group(1)


def neutral(html: str, mobile: str) -> str:
    """The page with what differs between two identical outcomes taken out: the masked
    number typed, the invitation's id and the CSRF tokens."""
    html = html.replace(mask_mobile(mobile), "MOBILE")
    html = re.sub(r"/team/invitations/\d+/", "/team/invitations/N/", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", html)


@pytest.fixture
def numbers(operator, outsider, outsider_staff, technician):
    """Every kind of number a manager might type; `technician` is already on our staff."""
    operator.mobile = "13600000009"
    operator.display_name = "钱运营官"
    operator.save()
    return {
        "platform operator": operator,
        "another company's resident": outsider,
        "another company's staff": outsider_staff,
        "already on our staff": technician,
        "new number": None,
    }


@pytest.mark.req("SUSR-2")
def test_every_number_gets_the_same_outcome_and_no_name(
    client_for, manager, community, numbers, sms_outbox
):
    seen = {}
    # A still clock: the expiry the page shows is the same for every number.
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        client = client_for(manager)
        for kind, user in numbers.items():
            mobile = user.mobile if user else NEW_NUMBER
            with transaction.atomic():
                before = StaffMember.objects.count(), User.objects.count()
                response = invite(client, mobile, community)
                assert response.status_code == 302, (kind, response.content.decode()[:2000])
                page = client.get(response["Location"])
                text = page.content.decode()
                [message] = [str(m) for m in page.context["messages"]]
                assert message == f"已向{mask_mobile(mobile)}发送邀请，对方凭短信验证码接受后加入"
                if user is not None and kind != "already on our staff":  # listed anyway
                    assert user.display_name not in text, kind
                assert (StaffMember.objects.count(), User.objects.count()) == before, kind
                assert staff_models.StaffInvitation.objects.get(mobile=mobile).status == "pending"
                [sms] = [m for m in sms_outbox if m.phone == mobile]
                seen[kind] = (
                    response["Location"],
                    neutral(text, mobile),
                    re.sub(r"/invitations/staff/[\w-]+/", "/LINK/", sms.text),
                )
                transaction.set_rollback(True)
    outcomes = list(seen.values())
    for kind, outcome in seen.items():
        assert outcome == outcomes[0], f"{kind} differs from {list(seen)[0]}"


@pytest.mark.req("SUSR-2")
def test_a_new_number_gets_no_account_from_the_manager(client_for, manager, community):
    assert invite(client_for(manager), NEW_NUMBER, community).status_code == 302
    assert not User.objects.filter(mobile=NEW_NUMBER).exists()
    entry = AuditEntry.objects.get(action="staff.invitation_sent")
    assert entry.actor == manager and entry.community == community
    assert NEW_NUMBER not in str(entry.data)


def send_code(client, path):
    return client.post(path, {"action": "send_code"})


def accept(client, path, code):
    return client.post(path, {"action": "accept", "code": code})


def last_code(sms_outbox, mobile) -> str:
    text = [m for m in sms_outbox if m.phone == mobile][-1]
    assert text.template == "staff_invitation_code"
    return text.params["code"]


@pytest.mark.req("SUSR-2")
def test_acceptance_by_sms_code_creates_the_member(
    client_for, manager, community, outsider, sms_outbox
):
    """Another company's resident, invited, logs in, sees who invites them to what, and
    accepts with a code texted to their number."""
    invite(client_for(manager), outsider.mobile, community, name=FRONT_DESK, employee_number="K7")
    path = link_in(sms_outbox, outsider.mobile)
    invitee = Client()
    # Not logged in: asked to log in (or sign up) with the invited number, nothing shown.
    anonymous = invitee.get(path)
    assert anonymous.status_code == 200
    assert community.company.name not in anonymous.content.decode()
    assert reverse("account_login") in anonymous.content.decode()

    invitee.force_login(outsider)
    page = invitee.get(path).content.decode()
    assert community.company.name in page and community.name in page and FRONT_DESK in page
    assert not StaffMember.objects.filter(user=outsider).exists()

    assert send_code(invitee, path).status_code == 302
    response = accept(invitee, path, last_code(sms_outbox, outsider.mobile))
    assert response.status_code == 302
    member = StaffMember.objects.get(user=outsider)
    assert member.company == community.company and set(
        member.assignments.values_list("position", flat=True)
    ) == {position(FRONT_DESK).pk}
    assert list(member.communities.all()) == [community] and member.employee_number == "K7"
    assert not outsider.groups.exists()  # a position is held per community, not as a group
    invitation = staff_models.StaffInvitation.objects.get()
    assert invitation.status == "accepted" and invitation.member == member
    outsider.refresh_from_db()
    assert outsider.display_name == "王芳"  # their own account keeps its name
    assert AuditEntry.objects.filter(action="staff.invitation_accepted", actor=outsider).exists()
    assert AuditEntry.objects.filter(action="staff.member_created").exists()


@pytest.mark.req("SUSR-2")
def test_a_new_number_signs_up_itself_and_then_accepts(
    client_for, manager, community, sms_outbox, travel
):
    invite(client_for(manager), NEW_NUMBER, community, display_name="郑收费")
    path = link_in(sms_outbox, NEW_NUMBER)
    # The invitee signs up with the existing code-first sign-up (their own act).
    invitee = Client()
    invitee.post(reverse("account_signup"), {"action": "send_code", "phone": NEW_NUMBER})
    code = [m for m in sms_outbox if m.phone == NEW_NUMBER][-1].params["code"]
    response = invitee.post(
        reverse("account_signup") + f"?next={path}",
        {"phone": NEW_NUMBER, "code": code, "password1": "", "next": path},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(mobile=NEW_NUMBER)
    assert not StaffMember.objects.filter(user=user).exists()
    travel(61)  # one text a minute to a number
    send_code(invitee, path)
    accept(invitee, path, last_code(sms_outbox, NEW_NUMBER))
    member = StaffMember.objects.get(user=user)
    assert set(member.assignments.values_list("position", flat=True)) == {position(CASHIER).pk}
    user.refresh_from_db()
    # An account without a name takes the one the manager typed.
    assert user.display_name == "郑收费"


@pytest.mark.req("SUSR-2")
def test_a_wrong_code_or_another_account_cannot_accept(
    client_for, manager, community, resident, family_member, sms_outbox
):
    invite(client_for(manager), resident.mobile, community)
    path = link_in(sms_outbox, resident.mobile)
    owner = Client()
    owner.force_login(resident)
    send_code(owner, path)
    code = last_code(sms_outbox, resident.mobile)
    response = accept(owner, path, "000000" if code != "000000" else "111111")
    assert response.status_code == 400
    assert "验证码" in response.content.decode()
    assert not StaffMember.objects.filter(user=resident).exists()

    # Someone else with the link (another account) sees nothing and cannot accept.
    other = Client()
    other.force_login(family_member)
    page = other.get(path)
    assert page.status_code == 404
    assert community.company.name not in page.content.decode()
    assert accept(other, path, code).status_code == 404
    assert send_code(other, path).status_code == 404
    assert not StaffMember.objects.filter(user__in=[resident, family_member]).exists()
    # A made-up link is the same 404.
    assert other.get("/invitations/staff/not-a-real-token/").status_code == 404


@pytest.mark.req("SUSR-2")
def test_operators_and_other_companies_staff_can_never_accept(
    client_for, manager, community, numbers, sms_outbox
):
    client = client_for(manager)
    for kind in ("platform operator", "another company's staff", "already on our staff"):
        user = numbers[kind]
        invite(client, user.mobile, community)
        path = link_in(sms_outbox, user.mobile)
        invitee = Client()
        invitee.force_login(user)
        page = invitee.get(path).content.decode()
        assert "无法接受" in page, kind
        assert send_code(invitee, path).status_code == 400
        response = accept(invitee, path, issue_code(invitee, user.mobile))
        assert response.status_code == 400, kind
    operator = numbers["platform operator"]
    assert not StaffMember.objects.filter(user=operator).exists()
    assert numbers["another company's staff"].staff_member.company != community.company
    assert set(
        numbers["already on our staff"].staff_member.assignments.values_list("position", flat=True)
    ) == {position(TECHNICIAN).pk}
    assert staff_models.StaffInvitation.objects.filter(status="pending").count() == 3


def issue_code(client, phone) -> str:
    """A valid code for this client's session, as if the page had sent one."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    code = otp.issue(request, purpose=otp.Purpose.STAFF_INVITATION, phone=phone)
    request.session.save()
    return code


@pytest.mark.req("SUSR-2")
def test_expired_or_withdrawn_cannot_be_accepted(
    client_for, manager, community, resident, outsider, sms_outbox, travel
):
    client = client_for(manager)
    invite(client, resident.mobile, community)
    invite(client, outsider.mobile, community)
    late = Client()
    late.force_login(resident)
    late_path = link_in(sms_outbox, resident.mobile)
    withdrawn = staff_models.StaffInvitation.objects.get(mobile=outsider.mobile)
    response = client.post(
        reverse("staff:invitation_withdraw", kwargs={"staff_invitation_id": withdrawn.pk})
    )
    assert response.status_code == 302
    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn"
    gone = Client()
    gone.force_login(outsider)
    gone_path = link_in(sms_outbox, outsider.mobile)
    assert "已撤回" in gone.get(gone_path).content.decode()
    assert send_code(gone, gone_path).status_code == 400

    send_code(late, late_path)
    code = last_code(sms_outbox, resident.mobile)
    travel(services.INVITATION_VALID_FOR.total_seconds() + 60)
    assert "已过期" in late.get(late_path).content.decode()
    assert accept(late, late_path, code).status_code == 400
    assert not StaffMember.objects.filter(user__in=[resident, outsider]).exists()


@pytest.mark.req("SUSR-2")
def test_the_team_page_lists_pending_invitations_masked(client_for, manager, community, outsider):
    client = client_for(manager)
    invite(client, outsider.mobile, community, name=FRONT_DESK)
    body = client.get(reverse("staff:team")).content.decode()
    assert mask_mobile(outsider.mobile) in body and outsider.mobile not in body
    assert "王芳" not in body
    invitation = staff_models.StaffInvitation.objects.get()
    assert reverse("staff:invitation_withdraw", args=[invitation.pk]) in body
    assert reverse("staff:invitation_resend", args=[invitation.pk]) in body
    assert "撤回" in body and "重发" in body


@pytest.mark.req("SUSR-2")
def test_another_companys_manager_can_neither_see_nor_withdraw_nor_resend(
    client_for, manager, community, outsider_staff, other_community, sms_outbox
):
    invite(client_for(manager), NEW_NUMBER, community)
    invitation = staff_models.StaffInvitation.objects.get()
    client = Client()
    client.force_login(outsider_staff)
    assert mask_mobile(NEW_NUMBER) not in client.get(reverse("staff:team")).content.decode()
    for name in ("staff:invitation_withdraw", "staff:invitation_resend"):
        url = reverse(name, kwargs={"staff_invitation_id": invitation.pk})
        assert client.post(url).status_code == 404
        assert client_for(manager).get(url).status_code == 405
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert len([m for m in sms_outbox if m.phone == NEW_NUMBER]) == 1


@pytest.mark.req("SUSR-2")
def test_resend_renews_the_link_and_is_rate_limited(
    client_for, manager, community, sms_outbox, travel
):
    client = client_for(manager)
    invite(client, NEW_NUMBER, community)
    first = link_in(sms_outbox, NEW_NUMBER)
    invitation = staff_models.StaffInvitation.objects.get()
    url = reverse("staff:invitation_resend", kwargs={"staff_invitation_id": invitation.pk})
    # Too soon after the first text: refused, nothing sent.
    response = client.post(url, follow=True)
    assert "稍后" in response.content.decode()
    assert len(sms_outbox) == 1
    travel(services.INVITATION_RESEND_INTERVAL.total_seconds() + 1)
    response = client.post(url, follow=True)
    assert f"已向{mask_mobile(NEW_NUMBER)}重新发送邀请" in response.content.decode()
    texts = [m for m in sms_outbox if m.template == "staff_invitation"]
    assert len(texts) == 2
    second = LINK.search(texts[-1].text).group(1)
    assert second != first
    # The old link no longer opens the invitation.
    person = Client()
    person.force_login(UserFactory(mobile=NEW_NUMBER))
    assert person.get(first).status_code == 404
    assert person.get(second).status_code == 200


@pytest.mark.req("SUSR-2")
def test_invitations_per_manager_are_rate_limited(client_for, manager, community, sms_outbox):
    client = client_for(manager)
    for n in range(services.INVITATIONS_PER_MANAGER_PER_HOUR):
        assert invite(client, f"1370000{n:04d}", community).status_code == 302
    response = invite(client, "13799999999", community)
    assert response.status_code == 400
    assert "邀请" in str(response.context["form"].non_field_errors())
    assert response.context["form"]["mobile"].value() == "13799999999"  # kept as typed
    assert not staff_models.StaffInvitation.objects.filter(mobile="13799999999").exists()


@pytest.mark.req("SUSR-2")
def test_the_inviters_limits_still_apply_on_acceptance(
    client_for, manager, community, outsider, sms_outbox
):
    """A manager who has since been deactivated no longer brings anyone in."""
    invite(client_for(manager), outsider.mobile, community, name=MANAGER)
    path = link_in(sms_outbox, outsider.mobile)
    boss = StaffMemberFactory(communities=[community], position_name=MANAGER)
    services.staff_member_deactivate(member=manager.staff_member, actor=boss.user)
    invitee = Client()
    invitee.force_login(outsider)
    assert "已失效" in invitee.get(path).content.decode()
    assert send_code(invitee, path).status_code == 400
    response = accept(invitee, path, issue_code(invitee, outsider.mobile))
    assert response.status_code == 400
    assert not StaffMember.objects.filter(user=outsider).exists()


@pytest.mark.req("SUSR-2")
def test_a_manager_cannot_invite_to_communities_they_do_not_serve(
    client_for, manager, community, other_community
):
    annex = CommunityFactory(company=community.company, name="翠湖花园二期")
    client = client_for(manager)
    for foreign in (annex, other_community):
        response = client.post(
            reverse("staff:staff_add"),
            {
                "mobile": NEW_NUMBER,
                "display_name": "",
                "position": position(CASHIER).pk,
                "communities": [community.pk, foreign.pk],
                "employee_number": "",
            },
        )
        assert response.status_code == 400
    assert not staff_models.StaffInvitation.objects.exists()


def test_operators_see_invitations_read_only_in_the_admin(client_for, operator, community):
    invitation = StaffInvitationFactory(communities=[community])
    client = client_for(operator)
    body = client.get(reverse("admin:staff_staffinvitation_changelist")).content.decode()
    assert invitation.masked_mobile in body
    page = client.get(reverse("admin:staff_staffinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200 and invitation.token_hash not in page.content.decode()
    assert client.get(reverse("admin:staff_staffinvitation_add")).status_code == 403
