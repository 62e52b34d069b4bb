"""The conversation of a complaint (SCMP-1, CMP-3): residents and staff write to each other,
with photos; each side's message reaches the right people; wrong posts keep what was typed;
residents are throttled; GET is refused; other households, outsiders and other communities'
staff get 404."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from complaints.conversation import services
from complaints.models import Complaint, ComplaintAttachment, ComplaintMessage
from kit.models import AuditEntry
from notices.models import Message
from tests.factories import (
    ComplaintFactory,
    ResidencyFactory,
    StaffMemberFactory,
    photo_upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1"), pytest.mark.req("CMP-3")]


@pytest.fixture
def household(resident, room):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def complaint(household):
    return ComplaintFactory(household=household)


def send_url(complaint, staff=False):
    name = "complaints_staff:message_send" if staff else "complaints:message_send"
    return reverse(name, args=[complaint.pk])


def inbox(user, event):
    return list(Message.objects.filter(recipient=user, event=event))


# --- The resident writes ---------------------------------------------------------------------


def test_resident_sends_a_message_with_a_photo(client_for, resident, complaint, staff_user):
    response = client_for(resident).post(
        send_url(complaint), {"body": "今天早上还是没有清运。", "photos": [photo_upload()]}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("complaints:detail", args=[complaint.pk]) + "#conversation"
    )
    message = ComplaintMessage.objects.get(complaint=complaint)
    assert (message.author, message.from_staff, message.internal) == (resident, False, False)
    photo = ComplaintAttachment.objects.get(message=message)
    assert photo.complaint == complaint and photo.thumbnail
    assert AuditEntry.objects.filter(
        action="complaint.message", target_id=str(complaint.pk)
    ).exists()
    # Nobody handles it yet: the community's complaint staff hear of it.
    [alert] = inbox(staff_user, "complaint.resident_message")
    assert "今天早上还是没有清运" in alert.body
    assert alert.url == reverse("complaints_staff:detail", args=[complaint.pk])


def test_a_resident_message_goes_to_the_handler_only(resident, complaint, staff_user, manager):
    handler = StaffMemberFactory(communities=[complaint.community], position_name="客服")
    Complaint.objects.filter(pk=complaint.pk).update(handler=handler, status="in_progress")
    complaint.refresh_from_db()
    services.resident_message_send(complaint=complaint, author=resident, body="还没人来。")
    assert inbox(handler.user, "complaint.resident_message")
    assert not inbox(staff_user, "complaint.resident_message")
    assert not inbox(manager, "complaint.resident_message")


def test_without_a_handler_the_department_members_who_handle_hear_it(
    resident, complaint, staff_user, technician
):
    department = complaint.community.complaint_departments.first()
    member = StaffMemberFactory(communities=[complaint.community], position_name="客服")
    department.members.add(member, technician.staff_member)
    Complaint.objects.filter(pk=complaint.pk).update(department=department)
    complaint.refresh_from_db()
    services.resident_message_send(complaint=complaint, author=resident, body="还没人来。")
    assert inbox(member.user, "complaint.resident_message")
    assert not inbox(staff_user, "complaint.resident_message")  # not of the department
    assert not inbox(technician, "complaint.resident_message")  # may not handle complaints


@pytest.mark.parametrize("status", ["merged", "withdrawn", "closed"])
def test_no_message_on_a_final_complaint(client_for, resident, complaint, status):
    Complaint.objects.filter(pk=complaint.pk).update(status=status)
    client = client_for(resident)
    response = client.post(send_url(complaint), {"body": "还有一件事"}, follow=True)
    assert not ComplaintMessage.objects.exists()
    text = response.content.decode()
    assert {"merged": "合并", "withdrawn": "撤回", "closed": "已结束"}[status] in text
    # The page says so and offers no form.
    assert reverse("complaints:message_send", args=[complaint.pk]) not in text


def test_a_wrong_post_keeps_what_was_typed(client_for, resident, complaint):
    client = client_for(resident)
    too_long = "很" * 2001
    response = client.post(send_url(complaint), {"body": too_long}, follow=True)
    text = response.content.decode()
    assert not ComplaintMessage.objects.exists()
    assert "最多" in text
    assert too_long[:2000] in text
    # Once shown, the draft is gone.
    assert (
        too_long[:2000]
        not in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    )


def test_an_empty_message_is_refused_in_chinese(client_for, resident, complaint):
    response = client_for(resident).post(send_url(complaint), {"body": "   "}, follow=True)
    assert "请填写留言内容" in response.content.decode()
    assert not ComplaintMessage.objects.exists()


def test_a_bad_photo_is_refused_and_the_text_kept(client_for, resident, complaint):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client_for(resident).post(
        send_url(complaint), {"body": "看照片", "photos": [fake]}, follow=True
    )
    text = response.content.decode()
    assert not ComplaintMessage.objects.exists()
    assert "看照片" in text and "x.jpg" in text


def test_residents_are_throttled(client_for, resident, complaint, start_of_an_hour):
    client = client_for(resident)
    limit = int(services.RESIDENT_RATES[0].split("/")[0])
    for n in range(limit):
        client.post(send_url(complaint), {"body": f"第{n}条"})
    response = client.post(send_url(complaint), {"body": "再来一条"}, follow=True)
    assert ComplaintMessage.objects.count() == limit
    text = response.content.decode()
    assert "再来一条" in text and "分钟后再试" in text


def test_family_member_may_write_and_is_named(client_for, family_member, complaint, resident):
    client_for(family_member).post(send_url(complaint), {"body": "我是家属，补充一下。"})
    response = client_for(resident).get(reverse("complaints:detail", args=[complaint.pk]))
    assert "李娜" in response.content.decode()


# --- Staff write -------------------------------------------------------------------------------


def test_staff_message_reaches_the_filing_household_only(
    client_for, staff_user, complaint, resident, family_member, community
):
    # A household merged into this complaint follows its moves, not its conversation.
    other = ComplaintFactory(household=ResidencyFactory(room__building__community=community))
    Complaint.objects.filter(pk=other.pk).update(status="merged", merged_into=complaint)
    response = client_for(staff_user).post(
        send_url(complaint, staff=True), {"body": "您好，已安排保洁今天下午清运。"}
    )
    assert response.status_code == 302
    message = ComplaintMessage.objects.get()
    assert message.from_staff and not message.internal
    for person in (resident, family_member):
        [note] = inbox(person, "complaint.message")
        assert "已安排保洁今天下午清运" in note.body
        assert note.url == reverse("complaints:detail", args=[complaint.pk])
    assert not Message.objects.filter(recipient=other.household.user).exists()


def test_staff_message_shows_as_property_with_the_name(client_for, staff_user, complaint, resident):
    services.staff_message_send(complaint=complaint, author=staff_user, body="已处理")
    text = (
        client_for(resident).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    )
    assert "物业 · 林客服" in text


def test_staff_write_notes_only_on_a_final_complaint(client_for, staff_user, complaint):
    Complaint.objects.filter(pk=complaint.pk).update(status="closed")
    client = client_for(staff_user)
    response = client.post(send_url(complaint, staff=True), {"body": "回访"}, follow=True)
    assert not ComplaintMessage.objects.exists()
    assert "内部备注" in response.content.decode()
    client.post(send_url(complaint, staff=True), {"body": "回访记录", "internal": "on"})
    assert ComplaintMessage.objects.get().internal


def test_a_wrong_staff_post_keeps_the_text_and_the_checkbox(client_for, staff_user, complaint):
    response = client_for(staff_user).post(
        send_url(complaint, staff=True), {"body": "很" * 2001, "internal": "on"}, follow=True
    )
    text = response.content.decode()
    assert "很" * 2000 in text
    assert 'name="internal" id="id_internal" checked' in text


def test_technician_may_not_write(client_for, technician, complaint):
    response = client_for(technician).post(send_url(complaint, staff=True), {"body": "x"})
    assert response.status_code == 403


# --- Doors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("staff", [False, True])
def test_get_is_refused(client_for, resident, staff_user, complaint, staff):
    client = client_for(staff_user if staff else resident)
    assert client.get(send_url(complaint, staff=staff)).status_code == 405


def test_merge_get_is_refused(client_for, staff_user, complaint):
    url = reverse("complaints_staff:merge", args=[complaint.pk])
    assert client_for(staff_user).get(url).status_code == 405


def test_another_household_gets_404(client_for, complaint, room):
    tenant = ResidencyFactory(room=room, relation=Residency.Relation.TENANT).user
    assert client_for(tenant).post(send_url(complaint), {"body": "x"}).status_code == 404
    assert not ComplaintMessage.objects.exists()


def test_an_outsider_gets_404(client_for, complaint, outsider):
    assert client_for(outsider).post(send_url(complaint), {"body": "x"}).status_code == 404


def test_another_communitys_staff_get_404(client_for, complaint, outsider_staff):
    client = client_for(outsider_staff)
    assert client.post(send_url(complaint, staff=True), {"body": "x"}).status_code == 404
    url = reverse("complaints_staff:merge", args=[complaint.pk])
    assert client.post(url, {"duplicates": [complaint.pk]}).status_code == 404
    assert not ComplaintMessage.objects.exists()
