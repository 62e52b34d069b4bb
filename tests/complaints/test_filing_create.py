"""CMP-1: a resident files a complaint (category, room or place, details, outcome wanted,
photos, contact), routed by its category; the refusals in Chinese with everything typed kept;
complaints about a neighbour; the throttle."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Residency
from complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from kit.audit import AuditEntry
from notices.models import Message
from tests.factories import ResidencyFactory, RoomFactory, StaffMemberFactory, photo_upload

pytestmark = pytest.mark.django_db

URL = "complaints:create"


def category(community, name: str) -> ComplaintCategory:
    return ComplaintCategory.objects.get(community=community, name=name)


def post_data(residency: Residency, cat: ComplaintCategory, **overrides) -> dict:
    data = {
        "category": cat.pk,
        "where": residency.pk,
        "place": "",
        "details": "楼道垃圾三天没人清运，气味很大。",
        "wanted_outcome": "尽快清运。",
        "contact_name": "张伟",
        "contact_phone": "13900000001",
        "neighbour_building": "",
        "neighbour_number": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def residency(resident, room):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def neighbour(room):
    """A verified household of 3栋1101, below 张伟's 3栋1201."""
    below = RoomFactory(building=room.building, number="1101", floor=11)
    return ResidencyFactory(room=below, user__display_name="赵邻居", user__mobile="13900000009")


@pytest.mark.req("CMP-1")
def test_files_a_complaint_with_a_photo_routed_by_its_category(
    client_for, resident, residency, community, staff_user, manager
):
    cat = category(community, "环境卫生")
    data = post_data(residency, cat, photos=[photo_upload("垃圾.jpg")])
    response = client_for(resident).post(reverse(URL), data)
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.household == residency and complaint.reporter == resident
    assert complaint.room == residency.room and complaint.place == ""
    assert complaint.status == Complaint.Status.SUBMITTED
    assert complaint.channel == Complaint.Channel.APP
    assert complaint.wanted_outcome == "尽快清运。"
    # The routing rule: the category's department; accepting is the handling part's.
    assert complaint.department == cat.department and cat.department.name == "保洁"
    assert complaint.accept_due_at == complaint.created_at + dt.timedelta(hours=4)
    assert complaint.reply_due_at == complaint.created_at + dt.timedelta(hours=48)
    photo = complaint.attachments.get()
    assert photo.kind == "image" and photo.thumbnail and photo.message_id is None
    assert list(complaint.events.values_list("kind", flat=True)) == [ComplaintEvent.Kind.FILED]
    assert AuditEntry.objects.filter(action="complaint.filed", target_id=str(complaint.pk)).exists()
    # Nobody is in the 保洁 department yet: every staff member who may handle complaints hears.
    told = set(Message.objects.filter(event="complaint.filed").values_list("recipient", flat=True))
    assert told == {staff_user.pk, manager.pk}
    page = client_for(resident).get(response["Location"]).content.decode()
    assert complaint.number in page and "楼道垃圾三天没人清运" in page
    assert reverse("complaints:file", args=[complaint.pk, photo.pk]) in page


@pytest.mark.req("CMP-1")
def test_a_category_routed_to_a_person_tells_that_person_only(
    client_for, resident, residency, community, staff_user, manager
):
    cat = category(community, "物业服务")
    cat.handler = staff_user.staff_member
    cat.save()
    client_for(resident).post(reverse(URL), post_data(residency, cat))
    complaint = Complaint.objects.get()
    assert complaint.handler == staff_user.staff_member
    assert complaint.status == Complaint.Status.SUBMITTED
    told = set(Message.objects.filter(event="complaint.filed").values_list("recipient", flat=True))
    assert told == {staff_user.pk}


@pytest.mark.req("CMP-1")
def test_a_department_with_members_tells_its_members(
    client_for, resident, residency, community, staff_user, manager
):
    cat = category(community, "噪音")
    cat.department.members.add(manager.staff_member)
    client_for(resident).post(reverse(URL), post_data(residency, cat))
    told = set(Message.objects.filter(event="complaint.filed").values_list("recipient", flat=True))
    assert told == {manager.pk}


@pytest.mark.req("CMP-1")
def test_a_place_in_the_community_instead_of_the_room(client_for, resident, residency, community):
    cat = category(community, "停车")
    response = client_for(resident).post(
        reverse(URL), post_data(residency, cat, where="place", place="地下车库B2")
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.room is None and complaint.place == "地下车库B2"
    assert complaint.place_label == "地下车库B2"


@pytest.mark.req("CMP-1")
def test_refusals_are_in_chinese_and_keep_what_was_typed(client_for, resident, residency):
    response = client_for(resident).post(
        reverse(URL),
        {"where": "place", "details": "", "wanted_outcome": "希望物业处理", "contact_name": "",
         "contact_phone": "123", "place": ""},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "请选择投诉类别。",
        "请描述发生了什么。",
        "请说明在小区的什么位置。",
        "请填写联系人。",
        "请填写能联系到您的电话号码。",
        "投诉尚未提交，请检查标红的内容。",
    ):
        assert message in html
    assert "希望物业处理" in html and 'value="123"' in html
    assert not Complaint.objects.exists()


@pytest.mark.req("CMP-1")
def test_too_many_photos_are_refused(client_for, resident, residency, community):
    cat = category(community, "环境卫生")
    photos = [photo_upload(f"p{n}.jpg", size=(40, 30)) for n in range(10)]
    response = client_for(resident).post(reverse(URL), post_data(residency, cat, photos=photos))
    assert response.status_code == 400
    assert "最多只能上传9张照片。" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.req("CMP-1")
def test_someone_without_a_verified_room_is_sent_back_to_the_hub(client_for, outsider_staff):
    response = client_for(outsider_staff).get(reverse(URL))
    assert response.status_code == 302 and response["Location"] == reverse("complaints:home")


@pytest.mark.req("CMP-1")
def test_the_form_offers_the_communitys_active_categories_with_hints(
    client_for, resident, community
):
    category(community, "违建").__class__.objects.filter(name="违建").update(is_active=False)
    html = client_for(resident).get(reverse(URL)).content.decode()
    assert "环境卫生" in html and "垃圾清运、楼道保洁、异味" in html
    assert "违建" not in html
    assert 'value="张伟"' in html and 'value="13900000001"' in html


@pytest.mark.req("CMP-1")
@override_settings(
    LINLI_ACTION_LIMITS={
        "complaint_file": {"user": ["1/h"], "ip": ["100/h"]},
        "upload": {"user": ["100/h"], "ip": ["100/h"]},
    }
)
def test_filing_is_throttled(client_for, resident, residency, community, start_of_an_hour):
    cat = category(community, "其他")
    client = client_for(resident)
    assert client.post(reverse(URL), post_data(residency, cat)).status_code == 302
    response = client.post(reverse(URL), post_data(residency, cat, details="第二次投诉的内容"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "第二次投诉的内容" in html and "投诉尚未提交" in html
    assert Complaint.objects.count() == 1


# --- About a neighbour ----------------------------------------------------------------------------


@pytest.mark.req("CMP-1")
def test_a_neighbour_complaint_names_their_room_for_staff_and_never_tells_them(
    client_for, resident, residency, community, neighbour, manager
):
    cat = category(community, "邻里")
    response = client_for(resident).post(
        reverse(URL),
        post_data(residency, cat, details="楼上漏水到我家天花板。", neighbour_building="3",
                  neighbour_number="1101"),
    )  # fmt: skip
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    # Staff see who filed and about which room.
    assert complaint.about_neighbour and complaint.neighbour_room == neighbour.room
    assert complaint.reporter == resident
    staff_message = Message.objects.get(event="complaint.filed", recipient=manager)
    assert "邻居" in staff_message.body
    # The neighbour's household: no message, nothing on their pages.
    assert not Message.objects.filter(recipient=neighbour.user).exists()
    neighbour_client = Client()
    neighbour_client.force_login(neighbour.user)
    hub = neighbour_client.get(reverse("complaints:home")).content.decode()
    assert complaint.number not in hub and "楼上漏水" not in hub and "张伟" not in hub
    assert (
        neighbour_client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    )
    # Nor does the complainant's own page print the neighbour's room.
    own = client_for(resident).get(reverse("complaints:detail", args=[complaint.pk]))
    assert "3栋1101" not in own.content.decode()
    assert "涉及邻居（仅物业可见）" in own.content.decode()


@pytest.mark.req("CMP-1")
def test_the_checkbox_makes_any_category_about_a_neighbour(
    client_for, resident, residency, community, neighbour
):
    cat = category(community, "噪音")
    client_for(resident).post(
        reverse(URL),
        post_data(residency, cat, about_neighbour="on", neighbour_building="3栋",
                  neighbour_number="1101"),
    )  # fmt: skip
    complaint = Complaint.objects.get()
    assert complaint.about_neighbour and complaint.neighbour_room == neighbour.room


@pytest.mark.req("CMP-1")
@pytest.mark.parametrize(
    ("building", "number", "message"),
    [
        ("", "", "请填写邻居的楼栋和房号。"),
        ("9栋", "1101", "本小区的9栋没有找到房号1101，请核对楼栋和房号。"),
        ("3栋", "1201", "这是您自己的房屋，请填写邻居的房号。"),
    ],
)
def test_the_neighbours_room_must_be_found_and_not_ones_own(
    client_for, resident, residency, community, neighbour, building, number, message
):
    cat = category(community, "邻里")
    response = client_for(resident).post(
        reverse(URL),
        post_data(residency, cat, neighbour_building=building, neighbour_number=number),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.req("CMP-1")
def test_a_room_of_another_community_is_not_found(
    client_for, resident, residency, community, outsider_room
):
    cat = category(community, "邻里")
    response = client_for(resident).post(
        reverse(URL),
        post_data(residency, cat, neighbour_building=outsider_room.building.name,
                  neighbour_number=outsider_room.number),
    )  # fmt: skip
    assert response.status_code == 400
    assert "没有找到房号" in response.content.decode()


def test_the_service_refuses_a_neighbour_room_of_another_community(
    resident, residency, community, outsider_room
):
    from django.core.exceptions import ValidationError

    from complaints.filing import services

    with pytest.raises(ValidationError) as refusal:
        services.complaint_file(
            reporter=resident, residency=residency, category=category(community, "邻里"),
            details="楼上漏水", contact_name="张伟", contact_phone="13900000001",
            neighbour_room=outsider_room,
        )  # fmt: skip
    assert refusal.value.message_dict["neighbour_room"] == ["这个房屋不在您的小区。"]


def test_a_staff_member_of_the_routed_person_must_still_hold_the_duty(
    resident, residency, community, manager
):
    """A category routed to someone who lost the duty falls back to the department, then all."""
    from complaints.filing import services

    cashier = StaffMemberFactory(communities=[community], position_name="收费员")
    cat = category(community, "其他")
    cat.handler = cashier
    cat.save()
    complaint = services.complaint_file(
        reporter=resident, residency=residency, category=cat, details="其他问题",
        contact_name="张伟", contact_phone="13900000001",
    )  # fmt: skip
    assert services.routed_recipients(complaint) == [manager.pk]
