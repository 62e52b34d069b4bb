"""SUSR-1 in the staff portal: search and filters, a resident's page, contact details, move-out
and the Excel export of the filtered list."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Residency
from kit.models import AuditEntry

from ..factories import BuildingFactory, ResidencyFactory, RoomFactory, StaffMemberFactory


@pytest.fixture
def neighbours(room, community):
    """A tenant next door in 3栋1202 and someone waiting in 5栋2单元0801."""
    next_door = RoomFactory(building=room.building, number="1202", floor=12)
    tenant = ResidencyFactory(
        room=next_door,
        relation=Residency.Relation.TENANT,
        user__display_name="周租客",
        user__mobile="13700000022",
    )
    far = RoomFactory(
        building=BuildingFactory(community=community, name="5栋"),
        number="0801",
        floor=8,
    )
    waiting = ResidencyFactory(
        room=far,
        status=Residency.Status.PENDING,
        verified_at=None,
        user__display_name="吴待审",
        user__mobile="13700000033",
    )
    return tenant, waiting


def _names(response) -> set[str]:
    return {r.user.display_name for r in response.context["table"].data}


@pytest.mark.req("SUSR-1")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("3栋1201", {"张伟", "李娜"}),
        ("3栋 1201", {"张伟", "李娜"}),
        ("1202", {"周租客"}),
        ("5栋", {"吴待审"}),
        ("0022", {"周租客"}),
        ("139 0000 0002", {"李娜"}),
        ("张", {"张伟"}),
    ],
)
def test_search_by_name_phone_or_room_label(
    client_for, staff_user, resident, family_member, neighbours, outsider, query, expected
):
    response = client_for(staff_user).get(reverse("staff_residents:residents"), {"q": query})
    assert _names(response) == expected


@pytest.mark.req("SUSR-1")
def test_filters_by_building_relation_and_status(
    client_for, staff_user, room, resident, family_member, neighbours
):
    client = client_for(staff_user)
    url = reverse("staff_residents:residents")
    assert _names(client.get(url, {"relation": "family"})) == {"李娜"}
    assert _names(client.get(url, {"status": "pending"})) == {"吴待审"}
    assert _names(client.get(url, {"building": room.building_id})) == {"张伟", "李娜", "周租客"}
    both = client.get(url, {"building": room.building_id, "relation": "tenant", "q": "周"})
    assert _names(both) == {"周租客"}


@pytest.mark.req("SUSR-1")
def test_a_building_of_another_community_is_not_a_filter_choice(
    client_for, staff_user, resident, outsider_room
):
    response = client_for(staff_user).get(
        reverse("staff_residents:residents"), {"building": outsider_room.building_id}
    )
    assert response.context["filter"].errors
    assert outsider_room.building.name not in response.content.decode()


@pytest.mark.req("SUSR-1")
def test_resident_page_shows_contacts_rooms_family_history_and_log(
    client_for, staff_user, manager, room, resident, family_member
):
    resident.backup_phone = "0571-88886666"
    resident.save()
    old_room = RoomFactory(building=room.building, number="0301", floor=3)
    ResidencyFactory(room=old_room, user=resident, status=Residency.Status.ENDED)
    client_for(manager).post(
        reverse("staff_residents:resident_contacts", kwargs={"resident_id": resident.pk}),
        {"display_name": "张伟", "backup_phone": "0571-88886666", "email": "zw@example.com"},
    )
    response = client_for(staff_user).get(
        reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "13900000001" in body and "0571-88886666" in body and "zw@example.com" in body
    assert "3栋1201" in body and "李娜" in body  # the household
    assert "3栋0301" in body and "已解除" in body  # the history
    assert AuditEntry.objects.get(action="resident.contacts_changed").action_label in body
    family_link = reverse(
        "staff_residents:resident_detail", kwargs={"resident_id": family_member.pk}
    )
    assert family_link in body


@pytest.mark.req("SUSR-1")
def test_resident_page_links_the_proof_through_the_protected_view(
    client_for, staff_user, room, resident
):
    residency = resident.residencies.get()
    residency.proof = "residency-proofs/2026/01/deed.jpg"
    residency.save()
    body = (
        client_for(staff_user)
        .get(reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk}))
        .content.decode()
    )
    assert reverse("accounts:residency_proof", kwargs={"residency_id": residency.pk}) in body
    assert "/media/" not in body


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
def test_resident_page_is_404_outside_the_community(
    client_for, staff_user, outsider, technician, community, positions
):
    client = client_for(staff_user)
    for person in (outsider, technician):  # another community's resident; no residency at all
        url = reverse("staff_residents:resident_detail", kwargs={"resident_id": person.pk})
        assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("staff_residents:resident_detail", kwargs={"resident_id": 999999})
        ).status_code
        == 404
    )


@pytest.mark.req("SUSR-1")
def test_a_resident_of_two_communities_is_seen_from_each_with_its_own_rooms(
    client_for, staff_user, resident, outsider_room, outsider_staff
):
    ResidencyFactory(room=outsider_room, user=resident)
    mine = client_for(staff_user).get(
        reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk})
    )
    assert [r.room.number for r in mine.context["history"]] == ["1201"]
    theirs = client_for(outsider_staff).get(
        reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk})
    )
    assert [r.room.number for r in theirs.context["history"]] == [outsider_room.number]
    assert "3栋1201" not in theirs.content.decode()


@pytest.mark.req("SUSR-1")
def test_edit_contacts_saves_and_audits(client_for, staff_user, resident, community):
    url = reverse("staff_residents:resident_contacts", kwargs={"resident_id": resident.pk})
    client = client_for(staff_user)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"display_name": " 张伟国 ", "backup_phone": "0571-8888 6666", "email": "ZW@Example.COM"},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.display_name == "张伟国"
    assert resident.backup_phone == "0571-8888 6666"
    assert resident.email == "ZW@example.com"
    address = EmailAddress.objects.get(user=resident)
    assert not address.verified  # staff cannot vouch for an address: no recovery through it yet
    entry = AuditEntry.objects.get(action="resident.contacts_changed")
    assert entry.actor == staff_user and entry.community == community
    assert entry.target == resident
    assert sorted(entry.data["fields"]) == ["backup_phone", "display_name", "email"]


@pytest.mark.req("SUSR-1")
def test_edit_contacts_keeps_a_bad_email_and_says_why_in_chinese(client_for, staff_user, resident):
    url = reverse("staff_residents:resident_contacts", kwargs={"resident_id": resident.pk})
    response = client_for(staff_user).post(
        url, {"display_name": "张伟", "backup_phone": "电话", "email": "zhangwei@@example"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "zhangwei@@example" in body  # what was typed stays in the field
    assert "有效" in body  # Django's Chinese "enter a valid e-mail address"
    assert response.context["form"].errors.keys() == {"email", "backup_phone"}
    resident.refresh_from_db()
    assert resident.email == ""
    assert not AuditEntry.objects.filter(action="resident.contacts_changed").exists()


@pytest.mark.req("SUSR-1")
def test_edit_contacts_refuses_an_email_of_another_account(
    client_for, staff_user, resident, family_member
):
    family_member.email = "lina@example.com"
    family_member.save()
    url = reverse("staff_residents:resident_contacts", kwargs={"resident_id": resident.pk})
    response = client_for(staff_user).post(
        url, {"display_name": "张伟", "backup_phone": "", "email": "LiNa@example.com"}
    )
    assert response.status_code == 400
    assert "lina@example.com" in response.content.decode().lower()
    assert response.context["form"].errors["email"]


def test_a_cashier_may_see_but_not_edit_contacts(client_for, community, positions, resident):
    cashier = StaffMemberFactory(communities=[community], position_name="收费员").user
    client = client_for(cashier)
    detail = reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk})
    contacts = reverse("staff_residents:resident_contacts", kwargs={"resident_id": resident.pk})
    response = client.get(detail)
    assert response.status_code == 200 and contacts not in response.content.decode()
    assert client.post(contacts, {"display_name": "x"}).status_code == 403


@pytest.mark.req("SUSR-1")
def test_move_out_asks_first_then_ends_the_household(
    client_for, staff_user, room, resident, family_member, community
):
    head = resident.residencies.get()
    member = family_member.residencies.get()
    member.head = head
    member.save()
    url = reverse("staff_residents:residency_end", kwargs={"residency_id": head.pk})
    client = client_for(staff_user)

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "李娜" in confirm.content.decode()  # who leaves with the head
    head.refresh_from_db()
    assert head.status == Residency.Status.VERIFIED  # GET changes nothing

    response = client.post(url, {"reason": "房屋已出售"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "staff_residents:resident_detail", kwargs={"resident_id": resident.pk}
    )
    head.refresh_from_db()
    member.refresh_from_db()
    assert head.status == member.status == Residency.Status.ENDED
    entries = AuditEntry.objects.filter(action="residency.ended")
    assert entries.count() == 2
    assert {e.data.get("reason") for e in entries} == {"房屋已出售"}
    assert all(e.actor == staff_user and e.community == community for e in entries)


@pytest.mark.req("SUSR-1")
def test_move_out_of_an_ended_residency_says_so(client_for, staff_user, room, resident):
    residency = resident.residencies.get()
    client = client_for(staff_user)
    url = reverse("staff_residents:residency_end", kwargs={"residency_id": residency.pk})
    client.post(url)
    response = client.post(url, follow=True)
    [message] = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert "已解除" in str(message)  # only a verified residency can end (this one: ended)
    assert AuditEntry.objects.filter(action="residency.ended").count() == 1


def test_a_technician_cannot_move_anyone_out(client_for, technician, resident):
    residency = resident.residencies.get()
    url = reverse("staff_residents:residency_end", kwargs={"residency_id": residency.pk})
    assert client_for(technician).post(url).status_code == 403
    residency.refresh_from_db()
    assert residency.status == Residency.Status.VERIFIED


def _sheet(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.req("SUSR-1")
def test_export_follows_the_page_filters(
    client_for, staff_user, resident, family_member, neighbours, outsider, community
):
    client = client_for(staff_user)
    page = client.get(reverse("staff_residents:residents"), {"q": "3栋", "relation": "family"})
    export_url = page.context["export_url"]
    assert "relation=family" in export_url
    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet(response)
    assert rows[0][:6] == ("楼栋", "单元", "房号", "姓名", "手机号", "关系")
    assert rows[1][:7] == ("3栋", None, "1201", "李娜", "13900000002", "家庭成员", "已认证")
    assert len(rows) == 2
    entry = AuditEntry.objects.get(action="accounts.residents_exported")
    assert entry.data == {"filters": {"q": "3栋", "relation": "family"}, "rows": 1}
    assert entry.community == community


@pytest.mark.req("SUSR-1")
def test_export_without_filters_has_the_whole_community_only(
    client_for, staff_user, resident, family_member, neighbours, outsider
):
    rows = _sheet(client_for(staff_user).get(reverse("staff_residents:residents_export")))
    assert {row[3] for row in rows[1:]} == {"张伟", "李娜", "周租客", "吴待审"}


@pytest.mark.req("SUSR-1")
def test_resident_page_uses_a_bounded_number_of_queries(
    client_for, staff_user, room, resident, django_assert_max_num_queries
):
    client = client_for(staff_user)
    url = reverse("staff_residents:resident_detail", kwargs={"resident_id": resident.pk})
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for i in range(10):
        other = RoomFactory(building=room.building, number=f"A{i}", floor=1)
        head = ResidencyFactory(room=other, user=resident)
        ResidencyFactory(room=other, relation=Residency.Relation.FAMILY, head=head)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.req("SUSR-1")
def test_export_turns_no_resident_typed_name_into_a_formula_or_a_crash(
    client_for, staff_user, resident, family_member
):
    """Residents choose their own names: "=HYPERLINK(…)" must arrive in Excel as text, and a
    control character must not break the whole community's export."""
    resident.display_name = '=HYPERLINK("http://evil.example","张伟")'
    resident.save()
    family_member.display_name = "李\x07娜"
    family_member.save()
    response = client_for(staff_user).get(reverse("staff_residents:residents_export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    names = {row[3] for row in _sheet(response)[1:]}
    # Kept whole as text, with the apostrophe that tells a spreadsheet so (accounts.spreadsheets).
    assert '\'=HYPERLINK("http://evil.example","张伟")' in names
    assert len(names) == 2
