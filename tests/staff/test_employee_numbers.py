"""Duplicate employee numbers are refused within a company (issue 19): on the manager's forms,
in the admin, and by a database constraint; another company may use the same number."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from staff.models import StaffInvitation, StaffMember
from staff.positions import CASHIER, TECHNICIAN

from ..factories import StaffInvitationFactory, StaffMemberFactory
from .test_invitations import invite

pytestmark = pytest.mark.django_db

TAKEN = "已被本公司同事"


def with_number(member: StaffMember, number: str) -> StaffMember:
    StaffMember.objects.filter(pk=member.pk).update(employee_number=number)
    member.refresh_from_db()
    return member


@pytest.fixture
def numbered(community, positions):
    return with_number(
        StaffMemberFactory(communities=[community], position_name=TECHNICIAN), "A001"
    )


@pytest.mark.req("SUSR-2")
def test_the_team_edit_form_refuses_a_colleagues_number(client_for, manager, community, numbered):
    colleague = StaffMemberFactory(communities=[community], position_name=TECHNICIAN)
    url = reverse("staff:staff_edit", kwargs={"member_id": colleague.pk})
    held = colleague.assignments.get().position.pk
    response = client_for(manager).post(
        url, {f"position_{community.pk}": held, "employee_number": "A001"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "工号A001" in " ".join(form.errors["employee_number"])
    assert form["employee_number"].value() == "A001"
    colleague.refresh_from_db()
    assert colleague.employee_number == ""


@pytest.mark.req("SUSR-2")
def test_an_invitation_with_a_taken_number_is_refused(
    client_for, manager, community, numbered, sms_outbox
):
    response = invite(client_for(manager), "13700002222", community, employee_number="A001")
    assert response.status_code == 400
    assert TAKEN in " ".join(response.context["form"].errors["employee_number"])
    assert response.context["form"]["mobile"].value() == "13700002222"
    assert not StaffInvitation.objects.exists()


@pytest.mark.req("SUSR-2")
def test_an_open_invitations_number_is_taken_too(client_for, manager, community, sms_outbox):
    StaffInvitationFactory(
        company=community.company, invited_by=manager, employee_number="B7",
        communities=[community],
    )  # fmt: skip
    response = invite(client_for(manager), "13700003333", community, employee_number="B7")
    assert response.status_code == 400
    assert "employee_number" in response.context["form"].errors


@pytest.mark.req("SUSR-2")
def test_another_company_may_use_the_same_number(numbered, other_community, positions):
    other = StaffMemberFactory(communities=[other_community], position_name=CASHIER)
    assert with_number(other, "A001").company != numbered.company


@pytest.mark.req("SUSR-2")
def test_the_database_refuses_a_duplicate_and_allows_many_empty(numbered, community, positions):
    StaffMemberFactory(communities=[community], position_name=CASHIER)
    StaffMemberFactory(communities=[community], position_name=CASHIER)  # two without a number
    third = StaffMemberFactory(communities=[community], position_name=CASHIER)
    with pytest.raises(IntegrityError), transaction.atomic():
        with_number(third, "A001")


@pytest.mark.req("SUSR-2")
def test_the_admin_refuses_a_duplicate_number_in_chinese(
    client_for, operator, community, numbered, positions
):
    from .test_team import assignment_formset

    colleague = StaffMemberFactory(communities=[community], position_name=CASHIER)
    response = client_for(operator).post(
        reverse("admin:staff_staffmember_change", args=[colleague.pk]),
        {
            "user": colleague.user.pk,
            "company": community.company.pk,
            "employee_number": "A001",
            "is_active": "on",
            "joined_at": "2025-01-01",
            **assignment_formset(colleague),
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "工号A001已被" in " ".join(errors["employee_number"])
    colleague.refresh_from_db()
    assert colleague.employee_number == ""


def test_the_migration_numbers_existing_duplicates_apart():
    """Rows as they may stand before the constraint: the first keeps its number, later ones
    get their id appended, other companies and empty numbers are left alone."""
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("staff.migrations.0005_misc_employee_numbers")
    saved = []

    def member(pk, company_id, number):
        row = SimpleNamespace(pk=pk, company_id=company_id, employee_number=number)
        row.save = lambda update_fields: saved.append((row.pk, row.employee_number))
        return row

    rows = [member(1, 1, "C1"), member(2, 2, "C1"), member(5, 1, "C1"), member(9, 1, "X" * 30)]
    rows.append(member(12, 1, "X" * 30))

    class Query(list):
        def exclude(self, **kwargs):
            return self

        def order_by(self, *names):
            return self

        def only(self, *names):
            return self

    model = SimpleNamespace(objects=Query(rows))
    migration.number_duplicates_apart(SimpleNamespace(get_model=lambda *args: model), None)
    assert saved == [(5, "C1-5"), (12, "X" * 27 + "-12")]
