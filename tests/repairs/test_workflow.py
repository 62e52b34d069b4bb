"""The order's life as repairs.services allows it: each move checked, recorded, told."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Residency
from kit.models import AuditEntry
from notices.models import Message
from repairs import selectors, services
from repairs.models import RepairEvent, RepairOrder, TechnicianPosition
from tests.factories import CommunityFactory, ResidencyFactory

Status = RepairOrder.Status


def messages_for(user, event="repair.status_changed"):
    return Message.objects.filter(recipient=user, event=event)


@pytest.mark.parametrize(
    "state",
    ["pending", "accepted", "assigned", "confirmed", "in_progress", "completed", "cancelled"],
)
def test_orders_reach_every_state(make_order, state):
    order = make_order(state, photos=1)
    assert order.status == {"confirmed": "assigned"}.get(state, state)


def test_new_community_starts_with_categories_and_slots(db):
    community = CommunityFactory()
    names = list(community.repair_categories.values_list("name", flat=True))
    assert names[:4] == ["水电故障", "门窗损坏", "电梯问题", "公共设施"]
    assert community.repair_time_slots.count() == 3


@pytest.mark.req("REP-5")
def test_every_status_change_writes_timeline_audit_and_tells_the_household(
    make_order, resident, family_member, outsider, dispatcher
):
    order = make_order("pending")
    order = services.order_accept(order=order, actor=dispatcher)
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == [RepairEvent.Kind.REPORTED, RepairEvent.Kind.ACCEPTED]
    assert AuditEntry.objects.filter(action="repair.accepted", target_id=str(order.pk)).exists()
    for person in (resident, family_member):
        message = messages_for(person).get()
        assert "已受理" in message.title
        assert message.url == f"/repairs/{order.pk}/"
    assert not messages_for(outsider).exists()


@pytest.mark.req("REP-5")
def test_the_whole_life_records_times_and_durations(make_order, technician_member):
    order = make_order("completed")
    assert order.technician == technician_member
    assert order.accepted_at and order.assigned_at and order.technician_accepted_at
    assert order.started_at and order.completed_at
    assert order.technician_response_seconds is not None
    assert order.technician_finish_seconds is not None
    assert order.finished_on_time is True
    assert order.result_note
    assert order.attachments.filter(stage="result").count() == 1
    assert list(order.events.values_list("status", flat=True)) == [
        "pending", "assigned", "assigned", "in_progress", "completed",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "state, move",
    [
        ("pending", "finish"),
        ("pending", "start"),
        ("accepted", "accept"),
        ("completed", "accept"),
        ("completed", "cancel"),
        ("cancelled", "accept"),
        ("in_progress", "accept"),
    ],
)
def test_illegal_transitions_are_refused(make_order, dispatcher, technician_member, state, move):
    order = make_order(state)
    before = order.status
    with pytest.raises((ValidationError, PermissionDenied)) as raised:
        if move == "accept":
            services.order_accept(order=order, actor=dispatcher)
        elif move == "cancel":
            services.order_cancel_by_staff(order=order, actor=dispatcher, reason="重复")
        elif move == "start":
            services.order_start(order=order, technician=technician_member, share_location=False)
        else:
            services.order_finish(
                order=order, technician=technician_member, result_note="好了", photos=[]
            )
    order.refresh_from_db()
    assert order.status == before
    if isinstance(raised.value, ValidationError) and move == "accept":
        assert raised.value.code == "illegal_transition"
        assert "不能" in raised.value.messages[0]


@pytest.mark.req("SREP-1")
def test_dispatch_only_to_a_technician_of_the_same_community(
    make_order, dispatcher, outsider_technician, staff_user
):
    order = make_order("pending")
    with pytest.raises(ValidationError) as raised:
        services.order_assign(
            order=order, technician=outsider_technician.staff_member, actor=dispatcher
        )
    assert "technician" in raised.value.error_dict
    # Nor to a colleague who is not a technician.
    with pytest.raises(ValidationError):
        services.order_assign(order=order, technician=staff_user.staff_member, actor=dispatcher)
    order.refresh_from_db()
    assert order.status == Status.PENDING and order.technician is None


@pytest.mark.req("SREP-1")
def test_dispatch_tells_the_technician_and_reassigning_takes_the_job_back(
    make_order, dispatcher, technician, other_technician, django_capture_on_commit_callbacks
):
    order = make_order("in_progress")
    TechnicianPosition.objects.create(order=order, latitude=30.27, longitude=120.15)
    assert messages_for(technician, "repair.assigned").count() == 1
    order = services.order_assign(
        order=order, technician=other_technician.staff_member, actor=dispatcher, note="原师傅请假"
    )
    assert order.status == Status.ASSIGNED
    assert order.started_at is None and not order.share_location
    assert order.technician_accepted_at is None
    assert not TechnicianPosition.objects.filter(order=order).exists()
    assert order.events.last().kind == RepairEvent.Kind.REASSIGNED
    message = messages_for(other_technician, "repair.assigned").get()
    assert message.url == f"/staff/jobs/{order.pk}/"


@pytest.mark.req("SREP-1")
def test_two_technicians_grab_the_same_order_and_the_second_is_told(
    make_order, technician_member, other_technician, outsider_technician
):
    order = make_order("accepted")
    with pytest.raises(PermissionDenied):
        services.order_grab(order=order, technician=outsider_technician.staff_member)
    grabbed = services.order_grab(order=order, technician=technician_member)
    assert grabbed.status == Status.ASSIGNED and grabbed.technician_accepted_at
    with pytest.raises(ValidationError, match="已经"):
        services.order_grab(order=order, technician=other_technician.staff_member)
    order.refresh_from_db()
    assert order.technician == technician_member


def test_only_the_assigned_technician_moves_the_order(make_order, other_technician):
    order = make_order("assigned")
    with pytest.raises(PermissionDenied):
        services.order_start(
            order=order, technician=other_technician.staff_member, share_location=True
        )
    with pytest.raises(PermissionDenied):
        services.order_technician_accept(order=order, technician=other_technician.staff_member)


def test_finishing_needs_a_result_note_and_an_after_photo(make_order, technician_member):
    from tests.factories import photo_upload

    order = make_order("in_progress")
    with pytest.raises(ValidationError) as raised:
        services.order_finish(
            order=order, technician=technician_member, result_note=" ", photos=[photo_upload()]
        )
    assert "result_note" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        services.order_finish(
            order=order, technician=technician_member, result_note="换了阀门", photos=[]
        )
    assert "photos" in raised.value.error_dict


def test_late_finish_is_recorded_as_late(make_order, technician_member):
    from tests.factories import photo_upload

    order = make_order("in_progress")
    RepairOrder.objects.filter(pk=order.pk).update(
        finish_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    order = services.order_finish(
        order=order, technician=technician_member, result_note="好了", photos=[photo_upload()]
    )
    assert order.finished_on_time is False


@pytest.mark.req("REP-5")
def test_resident_cancels_before_work_starts_only(make_order, resident, family_member, outsider):
    order = make_order("assigned")
    with pytest.raises(PermissionDenied):
        services.order_cancel_by_resident(order=order, user=outsider, reason="不想修了")
    with pytest.raises(ValidationError):
        services.order_cancel_by_resident(order=order, user=family_member, reason="  ")
    order = services.order_cancel_by_resident(order=order, user=family_member, reason="已自行修好")
    assert order.status == Status.CANCELLED and order.cancel_reason == "已自行修好"

    started = make_order("in_progress")
    with pytest.raises(ValidationError, match="服务台"):
        services.order_cancel_by_resident(order=started, user=resident, reason="太慢")


def test_staff_may_cancel_even_during_the_repair_and_the_position_goes(make_order, dispatcher):
    order = make_order("in_progress")
    TechnicianPosition.objects.create(order=order, latitude=30.27, longitude=120.15)
    order = services.order_cancel_by_staff(order=order, actor=dispatcher, reason="住户要求改期")
    assert order.status == Status.CANCELLED
    assert not TechnicianPosition.objects.filter(order=order).exists()


@pytest.mark.req("REP-7")
def test_rating_once_after_completion_and_a_low_one_reaches_the_managers(
    make_order, resident, manager, outsider_staff, staff_user
):
    with pytest.raises(ValidationError):
        services.order_rate(
            order=make_order("in_progress"), user=resident, speed=5, quality=5, attitude=5
        )
    order = make_order("completed")
    with pytest.raises(ValidationError):
        services.order_rate(order=order, user=resident, speed=0, quality=5, attitude=6)
    rating = services.order_rate(
        order=order, user=resident, speed=2, quality=4, attitude=5, comment="来得太晚"
    )
    assert rating.is_low
    assert Message.objects.filter(recipient=manager, event="repair.low_rating").count() == 1
    assert not Message.objects.filter(recipient__in=[outsider_staff, staff_user]).filter(
        event="repair.low_rating"
    )
    with pytest.raises(ValidationError, match="已经"):
        services.order_rate(order=order, user=resident, speed=5, quality=5, attitude=5)


def test_a_good_rating_stays_quiet(make_order, resident, manager):
    services.order_rate(
        order=make_order("completed"), user=resident, speed=5, quality=4, attitude=3
    )
    assert not Message.objects.filter(event="repair.low_rating").exists()


@pytest.mark.req("REP-1", "REP-4")
def test_reporting_checks_room_category_day_and_slot(
    residency, resident, outsider, other_community, family_member
):
    community = residency.room.building.community
    category = community.repair_categories.first()
    slot = community.repair_time_slots.order_by("start").first()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    base = {
        "reporter": resident, "residency": residency, "category": category,
        "description": "灯不亮", "contact_name": "张伟", "contact_phone": "13900000001",
        "day": tomorrow, "slot": slot,
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.order_create(**{**base, "reporter": outsider})
    with pytest.raises(ValidationError) as raised:
        services.order_create(**{**base, "category": other_community.repair_categories.first()})
    assert "category" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        services.order_create(**{**base, "slot": other_community.repair_time_slots.first()})
    assert "slot" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        services.order_create(**{**base, "day": timezone.localdate() + dt.timedelta(days=7)})
    assert "day" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        services.order_create(**{**base, "in_room": False, "public_area": " "})
    assert "public_area" in raised.value.error_dict
    slot.capacity = 1
    slot.save()
    services.order_create(**base)
    with pytest.raises(ValidationError, match="约满"):
        services.order_create(**base)
    assert RepairOrder.objects.count() == 1

    # A family member reports for the household: the order belongs to the head's residency.
    family_residency = Residency.objects.get(user=family_member)
    order = services.order_create(
        **{**base, "reporter": family_member, "residency": family_residency, "in_room": False,
           "public_area": "3栋电梯厅", "slot": community.repair_time_slots.order_by("start")[1]}
    )  # fmt: skip
    assert order.household == residency and order.room is None and order.place == "3栋电梯厅"


def test_a_slot_that_has_passed_today_is_refused(residency, resident):
    community = residency.room.building.community
    slot = community.repair_time_slots.order_by("start").first()  # 09:00-12:00
    late_evening = timezone.localtime().replace(hour=23, minute=0)
    with pytest.raises(ValidationError) as raised:
        services.check_slot(slot, late_evening.date(), community, late_evening)
    assert "slot" in raised.value.error_dict


@pytest.mark.req("REP-5")
def test_the_household_sees_its_orders_and_nobody_else(
    make_order, resident, family_member, outsider, room
):
    order = make_order("pending")
    assert selectors.get_order_for_user(resident, order.pk) == order
    assert selectors.get_order_for_user(family_member, order.pk) == order
    assert selectors.get_order_for_user(outsider, order.pk) is None
    # A tenant's household in the same room is another household.
    tenant = ResidencyFactory(room=room, relation=Residency.Relation.TENANT).user
    assert selectors.get_order_for_user(tenant, order.pk) is None
    # Moving out ends the household's view, for the family too; the next owner starts afresh.
    Residency.objects.filter(room=room).update(status=Residency.Status.ENDED)
    assert selectors.get_order_for_user(resident, order.pk) is None
    assert selectors.get_order_for_user(family_member, order.pk) is None
    newcomer = ResidencyFactory(room=room).user
    assert selectors.get_order_for_user(newcomer, order.pk) is None


@pytest.mark.req("REP-6")
def test_positions_are_kept_only_while_repairing_with_consent(
    make_order, technician_member, other_technician
):
    order = make_order("assigned")
    assert (
        services.position_record(
            order=order, technician=technician_member, latitude=30.27, longitude=120.15
        )
        is None
    )
    order = services.order_start(order=order, technician=technician_member, share_location=False)
    assert (
        services.position_record(
            order=order, technician=technician_member, latitude=30.27, longitude=120.15
        )
        is None
    )
    services.location_sharing_set(order=order, technician=technician_member, share=True)
    with pytest.raises(PermissionDenied):
        services.position_record(
            order=order, technician=other_technician.staff_member, latitude=1, longitude=1
        )
    with pytest.raises(ValidationError):
        services.position_record(
            order=order, technician=technician_member, latitude=91, longitude=120
        )
    with pytest.raises(ValidationError):
        services.position_record(
            order=order, technician=technician_member, latitude="north", longitude=120
        )
    position = services.position_record(
        order=order, technician=technician_member, latitude=30.2741, longitude=120.1551,
        accuracy=12.7,
    )  # fmt: skip
    assert position.accuracy_m == 12
    order.refresh_from_db()
    shown = selectors.technician_position_for_display(order)
    # Shown in GCJ-02 for 高德 tiles: a few hundred metres off the GPS reading.
    assert shown["lat"] != pytest.approx(30.2741, abs=1e-4)
    assert shown["lng"] == pytest.approx(120.1551 + 0.0046, abs=0.0005)
    services.location_sharing_set(order=order, technician=technician_member, share=False)
    assert not TechnicianPosition.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert selectors.technician_position_for_display(order) is None


@pytest.mark.req("REP-6")
def test_the_position_is_deleted_when_the_job_closes(make_order, technician_member):
    from tests.factories import photo_upload

    order = make_order("in_progress")
    services.position_record(
        order=order, technician=technician_member, latitude=30.27, longitude=120.15
    )
    assert TechnicianPosition.objects.filter(order=order).exists()
    services.order_finish(
        order=order, technician=technician_member, result_note="好了", photos=[photo_upload()]
    )
    assert not TechnicianPosition.objects.filter(order=order).exists()
