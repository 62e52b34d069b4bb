"""The service desk on one order: see everything, accept into the pool, dispatch, dispatch
again, cancel with a reason; each through repairs.services, logged and told (SREP-1)."""

import pytest
from django.urls import reverse

from kit.audit import entries_for
from notices.models import Message
from repairs import services
from repairs.models import RepairEscalation, RepairEvent, RepairOrder
from tests.factories import RepairAttachmentFactory, RepairOrderFactory, video_upload

pytestmark = pytest.mark.django_db

Status = RepairOrder.Status


def actions_of(order):
    return set(entries_for(order).values_list("action", flat=True))


def messages_of(user, event):
    return Message.objects.filter(recipient=user, event=event)


# --- The order page --------------------------------------------------------------------------------


def test_detail_shows_the_order_its_media_timeline_and_history(
    client_for, dispatcher, make_order, resident
):
    order = make_order("pending", photos=2)
    video = RepairAttachmentFactory(
        order=order, kind="video", content_type="video/mp4", file=video_upload("v.mp4")
    )
    RepairEscalation.objects.create(order=order, level=RepairEscalation.Level.ACCEPT)
    RepairEvent.objects.create(
        order=order, kind=RepairEvent.Kind.ESCALATED, status=order.status, internal=True,
        note="超时未受理",
    )  # fmt: skip
    response = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[order.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page and order.description in page
    assert resident.mobile in page
    photo = order.attachments.filter(kind="image").first()
    assert reverse("repairs_staff:file", args=[order.pk, photo.pk]) + "?thumb=1" in page
    assert '<video class="repair-media' in page
    assert reverse("repairs_staff:file", args=[order.pk, video.pk]) in page
    # Staff see the internal escalation line the household never sees.
    assert "超时未受理" in page
    assert [e.kind for e in response.context["timeline"]][-1] == RepairEvent.Kind.ESCALATED
    assert [entry.action for entry in response.context["audit_entries"]] == ["repair.reported"]
    # A pending order offers accept, dispatch and cancel to the service desk.
    assert response.context["can_accept"]
    assert response.context["assign_form"] is not None
    assert response.context["cancel_form"] is not None


def test_detail_lists_technicians_with_their_open_jobs_in_one_query(
    client_for, dispatcher, make_order, technician_member, other_technician
):
    make_order("assigned")
    make_order("in_progress")
    order = make_order("pending")
    response = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[order.pk]))
    choices = {
        member.user.get_full_name(): member.open_jobs
        for member in response.context["assign_form"].fields["technician"].queryset
    }
    assert choices == {"吴师傅": 2, "郑师傅": 0}
    labels = [label for _, label in response.context["assign_form"].fields["technician"].choices]
    assert any("吴师傅" in str(label) and "2" in str(label) for label in labels)


def test_a_closed_order_offers_no_actions(client_for, dispatcher, make_order):
    order = make_order("completed")
    response = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[order.pk]))
    assert not response.context["can_accept"]
    assert response.context["assign_form"] is None
    assert response.context["cancel_form"] is None
    assert reverse("repairs_staff:cancel", args=[order.pk]) not in response.content.decode()


def test_the_rating_is_shown(client_for, manager, make_order, resident):
    order = make_order("completed")
    services.order_rate(order=order, user=resident, speed=5, quality=4, attitude=2, comment="慢")
    response = client_for(manager).get(reverse("repairs_staff:detail", args=[order.pk]))
    assert response.context["rating"].attitude == 2
    assert "慢" in response.content.decode()


# --- Accept ----------------------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_accept_puts_the_order_into_the_pool(client_for, dispatcher, make_order, resident):
    order = make_order("pending")
    queue = reverse("repairs_staff:queue") + "?status=pending"
    response = client_for(dispatcher).post(
        reverse("repairs_staff:accept", args=[order.pk]), {"next": queue}
    )
    assert response.status_code == 302 and response["Location"] == queue
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and order.accepted_at is not None
    assert "repair.accepted" in actions_of(order)
    assert entries_for(order).get(action="repair.accepted").actor == dispatcher
    assert messages_of(resident, "repair.status_changed").exists()


def test_accepting_twice_is_refused_with_a_message(client_for, dispatcher, make_order):
    order = make_order("accepted")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:accept", args=[order.pk]), follow=True
    )
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1
    assert next(iter(response.context["messages"])).level_tag == "error"
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert list(entries_for(order).values_list("action", flat=True)).count("repair.accepted") == 1


def test_accept_is_post_only(client_for, dispatcher, make_order):
    order = make_order("pending")
    client = client_for(dispatcher)
    for name in ("accept", "assign", "cancel"):
        assert client.get(reverse(f"repairs_staff:{name}", args=[order.pk])).status_code == 405


# --- Dispatch ----------------------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_dispatch_a_pending_order_to_a_technician(
    client_for, dispatcher, make_order, resident, technician, technician_member
):
    order = make_order("pending")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:assign", args=[order.pk]),
        {"technician": technician_member.pk, "note": "带上梯子"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs_staff:detail", args=[order.pk])
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED and order.technician == technician_member
    assert order.accepted_at is not None and order.assigned_at is not None
    assert order.events.filter(kind=RepairEvent.Kind.ASSIGNED, note="带上梯子").exists()
    assert "repair.assigned" in actions_of(order)
    assert messages_of(technician, "repair.assigned").count() == 1
    assert messages_of(resident, "repair.status_changed").exists()


@pytest.mark.req("SREP-1")
def test_dispatch_again_to_another_technician(
    client_for, dispatcher, make_order, technician_member, other_technician
):
    order = make_order("in_progress")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:assign", args=[order.pk]),
        {"technician": other_technician.staff_member.pk},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED
    assert order.technician == other_technician.staff_member
    assert order.started_at is None and not order.share_location
    assert order.events.filter(kind=RepairEvent.Kind.REASSIGNED).exists()
    assert "repair.reassigned" in actions_of(order)
    assert messages_of(other_technician, "repair.assigned").count() == 1


def test_dispatch_to_the_same_technician_again_is_a_field_error(
    client_for, dispatcher, make_order, technician_member
):
    order = make_order("assigned")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:assign", args=[order.pk]), {"technician": technician_member.pk}
    )
    assert response.status_code == 400
    assert "technician" in response.context["assign_form"].errors
    assert "repair.reassigned" not in actions_of(order)


@pytest.mark.req("SREP-1")
def test_a_technician_of_another_community_is_refused(
    client_for, dispatcher, make_order, outsider_technician
):
    order = make_order("pending")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:assign", args=[order.pk]),
        {"technician": outsider_technician.staff_member.pk, "note": "伪造"},
    )
    assert response.status_code == 400
    form = response.context["assign_form"]
    assert "technician" in form.errors
    assert form["note"].value() == "伪造"  # what was typed is kept
    order.refresh_from_db()
    assert order.status == Status.PENDING and order.technician is None
    assert not messages_of(outsider_technician, "repair.assigned").exists()


def test_dispatch_without_a_technician_is_a_field_error(client_for, dispatcher, make_order):
    order = make_order("pending")
    response = client_for(dispatcher).post(reverse("repairs_staff:assign", args=[order.pk]), {})
    assert response.status_code == 400
    assert "technician" in response.context["assign_form"].errors


@pytest.mark.req("SREP-1")
def test_dispatching_a_completed_order_is_refused(
    client_for, dispatcher, make_order, other_technician
):
    order = make_order("completed")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:assign", args=[order.pk]),
        {"technician": other_technician.staff_member.pk},
    )
    assert response.status_code == 400
    assert len(response.context["refusals"]) == 1
    assert str(response.context["refusals"][0]) in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert not messages_of(other_technician, "repair.assigned").exists()


# --- Cancel ----------------------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_cancel_with_a_reason(client_for, dispatcher, make_order, resident):
    order = make_order("assigned")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:cancel", args=[order.pk]), {"reason": "业主重复报修"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancel_reason == "业主重复报修"
    assert "repair.cancelled" in actions_of(order)
    message = messages_of(resident, "repair.status_changed").order_by("-pk").first()
    assert message is not None and "业主重复报修" in message.body


def test_cancel_without_a_reason_is_refused(client_for, dispatcher, make_order):
    order = make_order("pending")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:cancel", args=[order.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert "reason" in response.context["cancel_form"].errors
    order.refresh_from_db()
    assert order.status == Status.PENDING


def test_cancelling_a_closed_order_is_refused(client_for, dispatcher, make_order):
    order = make_order("cancelled")
    response = client_for(dispatcher).post(
        reverse("repairs_staff:cancel", args=[order.pk]), {"reason": "再取消一次"}
    )
    assert response.status_code == 400
    assert response.context["refusals"]
    order.refresh_from_db()
    assert order.cancel_reason == "已自行修好"


# --- Who may do what -------------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_another_communitys_order_is_404_on_every_url(client_for, dispatcher, outsider):
    order = RepairOrderFactory(household=outsider.residencies.get())
    attachment = RepairAttachmentFactory(order=order)
    client = client_for(dispatcher)
    assert client.get(reverse("repairs_staff:detail", args=[order.pk])).status_code == 404
    file_url = reverse("repairs_staff:file", args=[order.pk, attachment.pk])
    assert client.get(file_url).status_code == 404
    for name, data in (
        ("accept", {}),
        ("assign", {"technician": 1}),
        ("cancel", {"reason": "不是你的"}),
    ):
        response = client.post(reverse(f"repairs_staff:{name}", args=[order.pk]), data)
        assert response.status_code == 404, name
    order.refresh_from_db()
    assert order.status == Status.PENDING


def test_a_technician_may_not_dispatch(client_for, technician, make_order):
    order = make_order("pending")
    client = client_for(technician)
    assert client.get(reverse("repairs_staff:detail", args=[order.pk])).status_code == 403
    response = client.post(reverse("repairs_staff:accept", args=[order.pk]))
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.PENDING


def test_a_resident_is_not_let_in(client_for, resident, make_order):
    order = make_order("pending")
    response = client_for(resident).get(reverse("repairs_staff:detail", args=[order.pk]))
    assert response.status_code == 403
