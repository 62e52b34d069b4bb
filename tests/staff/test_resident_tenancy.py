"""SUSR-1 and X-1: what a community's staff may change about a person, and what they may read.

Reading follows any residency in the community (staff need a moved-out resident's history);
changes need someone living there now or waiting for verification, never reach the accounts of
platform operators or of another company's staff, and never touch a verified e-mail address."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Residency, User
from kit.audit import log_action
from kit.models import AuditEntry

from ..factories import ResidencyFactory, StaffMemberFactory, UserFactory
from .test_import import RESIDENT_HEADERS, confirm, error_rows, upload

CONTACTS = {"display_name": "改过的名字", "backup_phone": "0571-1234", "email": "new@example.com"}


def contacts_url(person: User) -> str:
    return reverse("staff_residents:resident_contacts", kwargs={"resident_id": person.pk})


def detail_url(person: User) -> str:
    return reverse("staff_residents:resident_detail", kwargs={"resident_id": person.pk})


# --- 1. Changes only for people who live here now ----------------------------------------------


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
@pytest.mark.parametrize("status", [Residency.Status.REJECTED, Residency.Status.ENDED])
def test_contacts_of_someone_with_only_history_here_are_404_but_the_history_stays_readable(
    client_for, staff_user, room, status
):
    former = ResidencyFactory(
        room=room, status=status, user__display_name="旧住户", user__mobile="13700000041"
    ).user
    client = client_for(staff_user)
    page = client.get(detail_url(former))
    assert page.status_code == 200 and "旧住户" in page.content.decode()
    assert contacts_url(former) not in page.content.decode()
    assert client.get(contacts_url(former)).status_code == 404
    assert client.post(contacts_url(former), CONTACTS).status_code == 404
    former.refresh_from_db()
    assert former.display_name == "旧住户" and former.email == ""
    assert not AuditEntry.objects.filter(action="resident.contacts_changed").exists()


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
def test_someone_who_moved_to_another_community_is_changed_only_there(
    client_for, staff_user, outsider_staff, room, outsider_room
):
    person = ResidencyFactory(room=room, status=Residency.Status.ENDED).user
    ResidencyFactory(room=outsider_room, user=person)
    assert client_for(staff_user).post(contacts_url(person), CONTACTS).status_code == 404
    assert client_for(outsider_staff).post(contacts_url(person), CONTACTS).status_code == 302
    person.refresh_from_db()
    assert person.display_name == "改过的名字"


@pytest.mark.req("SUSR-1")
def test_someone_waiting_for_verification_can_be_changed(client_for, staff_user, room):
    waiting = ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None, user__mobile="13700000042"
    ).user
    client = client_for(staff_user)
    assert contacts_url(waiting) in client.get(detail_url(waiting)).content.decode()
    assert client.post(contacts_url(waiting), CONTACTS).status_code == 302
    waiting.refresh_from_db()
    assert waiting.display_name == "改过的名字"


# --- 2. A verified e-mail is the resident's; some accounts are not staff's to change ----------


@pytest.fixture
def verified_email(resident):
    resident.email = "zhangwei@example.com"
    resident.save()
    return EmailAddress.objects.create(
        user=resident, email="zhangwei@example.com", verified=True, primary=True
    )


@pytest.mark.req("SUSR-1")
@pytest.mark.parametrize("typed", ["", "other@example.com"])
def test_staff_can_neither_remove_nor_change_a_verified_email(
    client_for, staff_user, resident, verified_email, typed
):
    client = client_for(staff_user)
    page = client.get(contacts_url(resident))
    assert page.context["form"].fields["email"].disabled
    assert "只有住户本人可以修改" in str(page.context["form"]["email"].help_text)
    response = client.post(
        contacts_url(resident), {"display_name": "张伟国", "backup_phone": "", "email": typed}
    )
    assert response.status_code == 302  # the rest of the form is saved
    resident.refresh_from_db()
    assert resident.display_name == "张伟国"
    assert resident.email == "zhangwei@example.com"
    assert EmailAddress.objects.filter(pk=verified_email.pk, verified=True).exists()
    assert EmailAddress.objects.filter(user=resident).count() == 1
    entry = AuditEntry.objects.get(action="resident.contacts_changed")
    assert entry.data["fields"] == ["display_name"]


@pytest.mark.req("SUSR-1")
def test_the_service_refuses_to_touch_a_verified_email(
    staff_user, resident, community, verified_email
):
    with pytest.raises(ValidationError) as refused:
        services.resident_contacts_update(
            user=resident,
            actor=staff_user,
            community=community,
            display_name="张伟",
            backup_phone="",
            email="",
        )
    assert "email" in refused.value.message_dict
    assert EmailAddress.objects.filter(pk=verified_email.pk).exists()


@pytest.mark.req("SUSR-1")
def test_an_unverified_email_is_still_staffs_to_correct(client_for, staff_user, resident):
    resident.email = "typo@exmaple.com"
    resident.save()
    EmailAddress.objects.create(user=resident, email="typo@exmaple.com", verified=False)
    client = client_for(staff_user)
    assert not client.get(contacts_url(resident)).context["form"].fields["email"].disabled
    client.post(
        contacts_url(resident),
        {"display_name": "张伟", "backup_phone": "", "email": "typo@example.com"},
    )
    resident.refresh_from_db()
    assert resident.email == "typo@example.com"
    assert list(EmailAddress.objects.filter(user=resident).values_list("email", "verified")) == [
        ("typo@example.com", False)
    ]


@pytest.fixture
def operator_living_here(operator, room):
    ResidencyFactory(room=room, user=operator, relation=Residency.Relation.TENANT)
    return operator


@pytest.fixture
def other_company_staff_living_here(outsider_staff, room):
    ResidencyFactory(room=room, user=outsider_staff, relation=Residency.Relation.TENANT)
    return outsider_staff


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
@pytest.mark.parametrize("who", ["operator_living_here", "other_company_staff_living_here"])
def test_contacts_of_operators_and_other_companies_staff_cannot_be_changed(
    request, client_for, staff_user, community, who
):
    person = request.getfixturevalue(who)
    name = person.display_name
    client = client_for(staff_user)
    page = client.get(detail_url(person))
    assert page.status_code == 200  # they live here: their page is readable
    assert contacts_url(person) not in page.content.decode()
    for response in (client.get(contacts_url(person)), client.post(contacts_url(person), CONTACTS)):
        assert response.status_code == 302 and response.url == detail_url(person)
    followed = client.post(contacts_url(person), CONTACTS, follow=True)
    [message] = {str(m) for m in followed.context["messages"]}
    assert "staff portal" in message or "物业后台" in message  # neutral: says nothing of who
    person.refresh_from_db()
    assert person.display_name == name and person.email == ""
    with pytest.raises(ValidationError):
        services.resident_contacts_update(
            user=person, actor=staff_user, community=community, **CONTACTS
        )
    assert not AuditEntry.objects.filter(action="resident.contacts_changed").exists()


@pytest.mark.req("SUSR-1")
def test_a_colleague_of_the_same_company_living_here_can_be_corrected(
    client_for, manager, staff_user, room
):
    ResidencyFactory(room=room, user=staff_user, relation=Residency.Relation.TENANT)
    assert client_for(manager).post(contacts_url(staff_user), CONTACTS).status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.display_name == "改过的名字"


# --- 3. The import attaches no residency to accounts beyond staff's reach ----------------------


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
def test_import_refuses_rows_of_operators_and_other_companies_staff(
    client_for, manager, room, operator, outsider_staff
):
    operator.mobile = "13600000051"
    operator.save()
    outsider_staff.mobile = "13600000052"
    outsider_staff.save()
    rows = [
        ("3栋", "", "1201", "新住户", "13600000050", "租户"),
        ("3栋", "", "1201", "平台运营", "13600000051", "租户"),
        ("3栋", "", "1201", "外公司员工", "13600000052", "家属"),
    ]
    response = upload(client_for(manager), "residents", RESIDENT_HEADERS, rows)
    errors = error_rows(response)
    assert [(row, column) for row, column, _ in errors] == [(3, "手机号"), (4, "手机号")]
    assert errors[0][2] == errors[1][2]  # one neutral message: it says nothing about who they are
    assert not response.context["token"]  # nothing to confirm: all or nothing
    assert not Residency.objects.filter(user__in=[operator, outsider_staff]).exists()
    assert not User.objects.filter(mobile="13600000050").exists()


@pytest.mark.req("SUSR-1")
def test_import_accepts_staff_of_the_same_company(client_for, manager, room, community, positions):
    colleague = StaffMemberFactory(
        communities=[community], position_name="客服", user__mobile="13600000053"
    ).user
    rows = [("3栋", "", "1201", "同事", "13600000053", "租户")]
    client = client_for(manager)
    check = upload(client, "residents", RESIDENT_HEADERS, rows)
    assert check.context["outcome"].ok and check.context["outcome"].new == 1
    confirm(client, "residents", check)
    assert Residency.objects.get(user=colleague).status == Residency.Status.VERIFIED


# --- 4. The log on a person's page: this community's entries only ------------------------------


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
def test_a_persons_page_shows_only_this_communitys_log(
    client_for, staff_user, outsider_staff, community, other_community, room, outsider_room
):
    person = UserFactory(display_name="赵申请", mobile="13700000061")
    ResidencyFactory(room=outsider_room, user=person)  # lives in 金桂苑
    here = ResidencyFactory(room=room, user=person, status=Residency.Status.PENDING)
    private = [
        log_action(actor=person, action="profile.updated", target=person),
        log_action(actor=person, action="account.social_connected", target=person),
    ]
    theirs = log_action(
        actor=outsider_staff,
        action="resident.contacts_changed",
        target=person,
        community=other_community,
    )
    mine = [
        log_action(actor=person, action="residency.requested", target=here, community=community),
        log_action(
            actor=staff_user,
            action="resident.contacts_changed",
            target=person,
            community=community,
        ),
    ]
    shown = client_for(staff_user).get(detail_url(person)).context["audit_entries"]
    assert {entry.pk for entry in shown} == {entry.pk for entry in mine}
    assert not {entry.pk for entry in shown} & {entry.pk for entry in [*private, theirs]}
