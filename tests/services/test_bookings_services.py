"""The booking's life as services.bookings.services allows it: slots cut from the working
hours, places taken and given back, each move checked, audited and told."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from services.bookings import selectors, services
from services.models import Booking, BookingSlot, ProviderListing
from tests.factories import CommunityFactory, ResidencyFactory, bookable_provider, booking_row

from .bookings_support import PINNED, head_of, slot_value

pytestmark = pytest.mark.req("SVC-1")
Status = Booking.Status


@pytest.fixture
def clock():
    with time_machine.travel(PINNED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def provider(community):
    return bookable_provider(community, slot_capacity=2, cancel_cutoff_hours=2)


@pytest.fixture
def member(provider):
    return provider.members.get()


def book(resident, room, provider, value, **kwargs):
    return services.booking_create(
        user=resident, residency=head_of(resident, room), item=provider.items.first(),
        slot=value, address="翠湖花园 3栋1201", contact_phone="13900000001", **kwargs,
    )  # fmt: skip


def test_slots_are_cut_from_the_hours_for_fourteen_days(clock, provider):
    slots = selectors.provider_slots(provider)
    today = timezone.localdate()
    assert {s.date for s in slots} == {today + dt.timedelta(days=n) for n in range(14)}
    # 08:00–18:00 in slots of 120 minutes: five a day.
    first_day = [s for s in slots if s.date == today]
    assert [f"{s.start:%H:%M}" for s in first_day] == ["08:00", "10:00", "12:00", "14:00", "16:00"]
    # At 07:30 with a 2-hour cutoff, the 08:00 slot and nothing else today is closed.
    assert [s.closed for s in first_day] == ["soon", "", "", "", ""]
    assert all(s.left == 2 for s in slots)


def test_a_remainder_shorter_than_a_slot_is_not_offered(clock, community):
    provider = bookable_provider(community, slot_minutes=90, start=(9, 0), end=(12, 0))
    today = [s for s in selectors.provider_slots(provider) if s.date == timezone.localdate()]
    assert [f"{s.start:%H:%M}-{s.end:%H:%M}" for s in today] == ["09:00-10:30", "10:30-12:00"]


def test_booking_takes_a_place_and_tells_household_and_provider(
    clock, resident, family_member, room, provider, member, outsider
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    booking = book(resident, room, provider, slot_value(tomorrow, 10), note="家里有猫")
    assert booking.status == Status.REQUESTED
    assert booking.household == head_of(resident, room)
    assert booking.price == provider.items.first().price
    assert booking.number.startswith("YY260310")
    assert BookingSlot.objects.get().booked == 1
    assert AuditEntry.objects.filter(action="booking.created", target_id=str(booking.pk)).exists()
    for person in (resident, family_member):
        assert Message.objects.filter(recipient=person, event="booking.created").exists()
    alert = Message.objects.get(recipient=member.user, event="booking.requested")
    assert alert.importance == "important"
    assert "新预约" in alert.title or "日常保洁" in alert.title
    assert not Message.objects.filter(recipient=outsider).exists()
    left = next(s for s in selectors.provider_slots(provider) if s.value == booking_slot(booking))
    assert left.left == 1


def booking_slot(booking):
    return slot_value(booking.slot.date, booking.slot.start.hour)


def test_a_full_slot_is_refused_in_chinese(clock, resident, room, community, family_member):
    provider = bookable_provider(community, slot_capacity=1)
    value = slot_value(timezone.localdate() + dt.timedelta(days=2), 14)
    book(resident, room, provider, value)
    with pytest.raises(ValidationError) as refusal:
        book(family_member, room, provider, value)
    assert "该时段已约满" in str(refusal.value)
    assert BookingSlot.objects.get().booked == 1


def test_the_slot_row_never_passes_its_capacity(clock, resident, room, provider):
    # The service's conditional update refuses; the check constraint is the backstop.
    value = slot_value(timezone.localdate() + dt.timedelta(days=2), 14)
    book(resident, room, provider, value)
    slot = BookingSlot.objects.get()
    with pytest.raises(ValidationError):
        services.take_place(slot.pk)
        services.take_place(slot.pk)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.filter(pk=slot.pk).update(booked=slot.capacity + 1)


def test_slots_within_the_cutoff_and_unknown_slots_are_refused(clock, resident, room, provider):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as soon:
        book(resident, room, provider, slot_value(today, 8))
    assert "太近" in str(soon.value) or "时间" in str(soon.value)
    with pytest.raises(ValidationError) as unknown:
        book(resident, room, provider, slot_value(today, 9))
    assert "请选择" in str(unknown.value)
    with pytest.raises(ValidationError):
        book(resident, room, provider, slot_value(today + dt.timedelta(days=14), 10))


def test_only_where_the_provider_is_approved(clock, resident, room, community, outsider):
    elsewhere = bookable_provider(CommunityFactory(), name="别处家政")
    with pytest.raises(PermissionDenied):
        book(resident, room, elsewhere, slot_value(timezone.localdate(), 14))
    provider = bookable_provider(community)
    ProviderListing.objects.filter(provider=provider).update(status="suspended")
    with pytest.raises(PermissionDenied):
        book(resident, room, provider, slot_value(timezone.localdate(), 14))


def test_the_whole_life(clock, resident, family_member, room, provider, member, community):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    booking = services.booking_confirm(booking=booking, member=member)
    booking = services.booking_start(booking=booking, member=member)
    booking = services.booking_finish(booking=booking, member=member)
    assert booking.status == Status.DONE
    assert booking.confirmed_at and booking.started_at and booking.finished_at
    listing = ProviderListing.objects.get(provider=provider, community=community)
    assert listing.bookings_done == 1
    titles = list(
        Message.objects.filter(recipient=family_member, event="booking.status_changed")
        .order_by("pk").values_list("title", flat=True)
    )  # fmt: skip
    assert [t.split("：")[-1] for t in titles] == ["已确认", "服务中", "已完成"]
    actions = set(
        AuditEntry.objects.filter(target_id=str(booking.pk)).values_list("action", flat=True)
    )
    assert {"booking.created", "booking.confirmed", "booking.in_service", "booking.done"} <= actions


def test_invalid_moves_are_refused_in_chinese(clock, resident, room, provider, member):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    with pytest.raises(ValidationError) as refusal:
        services.booking_finish(booking=booking, member=member)
    assert "不能" in refusal.value.messages[0]
    services.booking_cancel_by_resident(booking=booking, user=resident)
    with pytest.raises(ValidationError):
        services.booking_confirm(booking=booking, member=member)


def test_another_providers_member_may_not_act(clock, resident, room, provider, community):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    stranger = bookable_provider(community, name="别家").members.get()
    with pytest.raises(PermissionDenied):
        services.booking_confirm(booking=booking, member=stranger)


def test_resident_cancels_until_the_cutoff_and_the_place_comes_back(
    clock, resident, family_member, room, provider
):
    value = slot_value(timezone.localdate(), 14)
    booking = book(resident, room, provider, value)
    # A family member may cancel the household's booking.
    booking = services.booking_cancel_by_resident(booking=booking, user=family_member)
    assert booking.status == Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.RESIDENT
    assert BookingSlot.objects.get().booked == 0
    late = book(resident, room, provider, value)
    clock.move_to(dt.datetime(2026, 3, 10, 12, 30, tzinfo=PINNED.tzinfo))  # 1.5 h before
    assert not services.resident_may_cancel(late)
    with pytest.raises(ValidationError) as refusal:
        services.booking_cancel_by_resident(booking=late, user=resident)
    assert "2" in refusal.value.messages[0] and "小时" in refusal.value.messages[0]


def test_other_households_may_not_cancel(clock, resident, room, provider, outsider):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    neighbour = ResidencyFactory(room__building=room.building).user
    for person in (outsider, neighbour):
        with pytest.raises(PermissionDenied):
            services.booking_cancel_by_resident(booking=booking, user=person)


def test_provider_and_staff_cancel_with_a_reason(clock, resident, room, provider, member, manager):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    with pytest.raises(ValidationError) as refusal:
        services.booking_cancel_by_provider(booking=booking, member=member, reason=" ")
    assert "原因" in str(refusal.value)
    services.booking_confirm(booking=booking, member=member)
    services.booking_start(booking=booking, member=member)
    booking = services.booking_cancel_by_provider(booking=booking, member=member, reason="师傅病了")
    assert (booking.cancelled_by, booking.cancel_reason) == ("provider", "师傅病了")
    assert BookingSlot.objects.get().booked == 0
    other = book(resident, room, provider, slot_value(timezone.localdate(), 16))
    other = services.booking_cancel_by_staff(booking=other, actor=manager, reason="小区封闭")
    assert other.cancelled_by == "staff"
    with pytest.raises(ValidationError):
        services.booking_cancel_by_staff(booking=other, actor=manager, reason="again")


def test_no_show_only_after_the_slot_began(clock, resident, room, provider, member):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    services.booking_confirm(booking=booking, member=member)
    with pytest.raises(ValidationError) as refusal:
        services.booking_no_show(booking=booking, member=member)
    assert "开始" in refusal.value.messages[0]
    clock.move_to(dt.datetime(2026, 3, 10, 14, 5, tzinfo=PINNED.tzinfo))
    booking = services.booking_no_show(booking=booking, member=member)
    assert booking.status == Status.NO_SHOW
    assert BookingSlot.objects.get().booked == 0


def test_a_moved_out_member_no_longer_follows(clock, resident, family_member, room, provider):
    booking = book(resident, room, provider, slot_value(timezone.localdate(), 14))
    from accounts.models import Residency

    Residency.objects.filter(user=family_member).update(status=Residency.Status.ENDED)
    assert family_member.pk not in selectors.household_user_ids(booking)
    assert selectors.get_booking_for_user(family_member, booking.pk) is None
    assert selectors.get_booking_for_user(resident, booking.pk) == booking


# --- The reminder the day before ---------------------------------------------------------------


def test_the_reminder_goes_once_the_day_before(resident, family_member, room, provider, member):
    # Just after midnight in Shanghai (UTC is still on the day before): "tomorrow" is the
    # site's tomorrow, not UTC's.
    midnight = dt.datetime(2026, 3, 10, 0, 20, tzinfo=PINNED.tzinfo)
    with time_machine.travel(midnight, tick=False):
        household = head_of(resident, room)
        tomorrow = booking_row(household, provider, days_ahead=1, status="confirmed")
        today = booking_row(household, provider, days_ahead=0, hour=14, status="confirmed")
        later = booking_row(household, provider, days_ahead=2, status="confirmed")
        unconfirmed = booking_row(household, provider, days_ahead=1, hour=14)
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    tomorrow.refresh_from_db()
    assert tomorrow.reminded_at is not None
    for booking in (today, later, unconfirmed):
        booking.refresh_from_db()
        assert booking.reminded_at is None
    for person in (resident, family_member, member.user):
        assert Message.objects.filter(recipient=person, event="booking.reminder").count() == 1


def test_the_reminder_task_runs_the_service(resident, room, provider):
    from services.bookings.tasks import booking_reminders_task

    with time_machine.travel(PINNED, tick=False):
        booking_row(head_of(resident, room), provider, days_ahead=1, status="confirmed")
        assert booking_reminders_task() == 1
