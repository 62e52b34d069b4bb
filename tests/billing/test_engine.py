"""The bill run engine (SBIL-1): what `run_plan` previews, what `run_create` writes, per fee kind
and cycle, with dated prices, and never twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing import services
from billing.models import Bill, BillLine, ParkingSpace
from tests.factories import RoomFactory, fee_rule

pytestmark = [pytest.mark.django_db, pytest.mark.req("SBIL-1")]

JAN = dt.date(2025, 1, 1)
FEB = dt.date(2025, 2, 1)
ELECTRICITY_TIERS = [["200", "0.538"], ["400", "0.588"], ["", "0.838"]]


def run(community, rules, month, actor):
    return services.run_create(community=community, fee_rules=rules, month=month, actor=actor)


def read(room, kind, month, current, actor, **kwargs):
    return services.reading_record(
        room=room, kind=kind, month=month, current=Decimal(current), actor=actor, **kwargs
    )


def lines_of(bill):
    return [
        (line.description, line.quantity, line.unit_price, line.amount)
        for line in bill.lines.order_by("sort")
    ]


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_lists_rooms_without_area_and_without_reading_and_writes_nothing(
    community, room, manager
):
    bare = RoomFactory(building=room.building, number="1202", area=None)
    prop = fee_rule(community, name="物业服务费", unit_price="2.80")
    water = fee_rule(community, kind="water", name="水费", unit_price="3.45")
    read(room, "water", dt.date(2024, 12, 1), "100", manager)
    read(room, "water", JAN, "112", manager)

    plan = services.run_plan(community, [prop, water], JAN)

    assert sorted((p.room.pk, p.rule.name, p.amount) for p in plan.bills) == [
        (room.pk, "水费", Decimal("41.40")),
        (room.pk, "物业服务费", Decimal("275.80")),
    ]
    assert ("物业服务费", bare.label, "房屋没有登记建筑面积。") in plan.exceptions
    assert ("水费", bare.label, "本月没有抄表读数。") in plan.exceptions
    assert len(plan.exceptions) == 2
    assert plan.total == Decimal("317.20")
    assert {rule.name: (count, total) for rule, count, total in plan.totals_by_rule()} == {
        "物业服务费": (1, Decimal("275.80")),
        "水费": (1, Decimal("41.40")),
    }
    assert not Bill.objects.exists()


def test_a_rule_without_a_price_for_the_period_is_an_exception(community, room, manager):
    rule = fee_rule(community, name="物业服务费", valid_from=dt.date(2025, 6, 1))

    plan = services.run_plan(community, [rule], JAN)

    assert plan.bills == []
    assert plan.exceptions == [("物业服务费", "", "这个账期没有设置价格。")]


def test_another_communitys_rule_is_refused(community, other_community, manager):
    foreign = fee_rule(other_community, name="物业服务费")

    with pytest.raises(PermissionDenied):
        services.run_plan(community, [foreign], JAN)


def test_the_run_keeps_the_exceptions_it_skipped(community, room, manager):
    bare = RoomFactory(building=room.building, number="1202", area=None)
    rule = fee_rule(community, name="物业服务费")

    bill_run = run(community, [rule], JAN, manager)

    assert bill_run.bill_count == 1
    assert bill_run.total == Decimal("275.80")
    assert bill_run.skipped == [["物业服务费", bare.label, "房屋没有登记建筑面积。"]]
    assert list(bill_run.rules.all()) == [rule]


# --- Fee kinds --------------------------------------------------------------------------------


def test_property_fee_is_area_times_price_with_title_period_and_due_date(community, room, manager):
    rule = fee_rule(community, name="物业服务费", unit_price="2.80", due_day=15,
                    daily_rate="0.0005", cap_rate="0.1")  # fmt: skip

    bill = run(community, [rule], JAN, manager).bills.get()

    assert bill.title == "物业服务费 2025年1月"
    assert (bill.period_start, bill.period_end) == (JAN, dt.date(2025, 1, 31))
    assert bill.due_date == dt.date(2025, 2, 15)
    assert bill.amount == Decimal("275.80")
    assert bill.status == Bill.Status.DRAFT
    assert bill.kind == "property"
    assert bill.room == room
    assert (bill.late_fee_daily_rate, bill.late_fee_cap_rate) == (
        Decimal("0.0005"),
        Decimal("0.1"),
    )
    assert lines_of(bill) == [
        ("建筑面积98.50 m² × 1个月", Decimal("98.5"), Decimal("2.8"), Decimal("275.80"))
    ]


def test_december_falls_due_in_january_of_the_next_year(community, room, manager):
    rule = fee_rule(community, name="物业服务费", due_day=10)

    bill = run(community, [rule], dt.date(2024, 12, 20), manager).bills.get()

    assert bill.period_start == dt.date(2024, 12, 1)
    assert bill.due_date == dt.date(2025, 1, 10)


def test_electricity_is_billed_by_tiers_from_the_readings(community, room, manager):
    rule = fee_rule(community, kind="electricity", name="电费", unit_price="0.538",
                    tiers=ELECTRICITY_TIERS)  # fmt: skip
    read(room, "electricity", dt.date(2024, 12, 1), "1000", manager)
    read(room, "electricity", JAN, "1450", manager)

    bill = run(community, [rule], JAN, manager).bills.get()

    reading = "读数1000.00 → 1450.00"
    assert lines_of(bill) == [
        (f"{reading}，第1档", Decimal("200"), Decimal("0.538"), Decimal("107.60")),
        (f"{reading}，第2档", Decimal("200"), Decimal("0.588"), Decimal("117.60")),
        (f"{reading}，第3档", Decimal("50"), Decimal("0.838"), Decimal("41.90")),
    ]
    assert bill.amount == Decimal("267.10")
    assert set(bill.lines.values_list("unit", flat=True)) == {"kWh"}


def test_low_consumption_stays_in_the_first_tier(community, room, manager):
    rule = fee_rule(community, kind="electricity", name="电费", unit_price="0.538",
                    tiers=ELECTRICITY_TIERS)  # fmt: skip
    read(room, "electricity", dt.date(2024, 12, 1), "1000", manager)
    read(room, "electricity", JAN, "1180.5", manager)

    bill = run(community, [rule], JAN, manager).bills.get()

    assert bill.lines.count() == 1
    assert bill.amount == Decimal("97.11")  # 180.5 × 0.538 = 97.109


def test_after_a_meter_change_consumption_counts_from_the_new_meters_start(
    community, room, manager
):
    rule = fee_rule(community, kind="water", name="水费", unit_price="3.45")
    read(room, "water", dt.date(2024, 12, 1), "986", manager)
    reading = read(room, "water", JAN, "23", manager, meter_change=True, start=Decimal("5"))

    bill = run(community, [rule], JAN, manager).bills.get()

    assert (reading.previous, reading.current, reading.consumption) == (5, 23, 18)
    assert lines_of(bill) == [
        ("读数5.00 → 23.00", Decimal("18"), Decimal("3.45"), Decimal("62.10"))
    ]
    # The next month continues from the new meter.
    read(room, "water", FEB, "35", manager)
    february = run(community, [rule], FEB, manager).bills.get()
    assert february.amount == Decimal("41.40")


def test_a_reading_below_the_last_one_is_refused_unless_the_meter_changed(community, room, manager):
    read(room, "water", dt.date(2024, 12, 1), "986", manager)

    with pytest.raises(ValidationError):
        read(room, "water", JAN, "23", manager)


def test_a_billed_months_reading_can_no_longer_change(community, room, manager):
    rule = fee_rule(community, kind="water", name="水费", unit_price="3.45")
    read(room, "water", dt.date(2024, 12, 1), "100", manager)
    read(room, "water", JAN, "110", manager)
    run(community, [rule], JAN, manager)

    with pytest.raises(ValidationError):
        read(room, "water", JAN, "130", manager)
    assert Bill.objects.get().amount == Decimal("34.50")


def test_parking_is_billed_per_rented_space_and_rooms_without_one_are_not_exceptions(
    community, room, manager
):
    neighbour = RoomFactory(building=room.building, number="1202")
    ParkingSpace.objects.bulk_create(
        [
            ParkingSpace(community=community, code="B1-001", room=room),
            ParkingSpace(community=community, code="B1-002", room=room),
            ParkingSpace(community=community, code="B1-003", room=None),
        ]
    )
    rule = fee_rule(community, kind="parking", name="车位管理费", unit_price="150")

    plan = services.run_plan(community, [rule], JAN)
    bill = run(community, [rule], JAN, manager).bills.get()

    assert plan.exceptions == []
    assert bill.room == room
    assert not Bill.objects.filter(room=neighbour).exists()
    assert lines_of(bill) == [("车位 × 2 × 1个月", Decimal("2"), Decimal("150"), Decimal("300.00"))]


def test_a_fixed_charge_bills_every_room_the_same(community, room, manager):
    other = RoomFactory(building=room.building, number="1202", area=None)
    rule = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="10")

    bill_run = run(community, [rule], JAN, manager)

    assert sorted(bill_run.bills.values_list("room_id", "amount")) == sorted(
        [(room.pk, Decimal("10.00")), (other.pk, Decimal("10.00"))]
    )
    assert lines_of(bill_run.bills.get(room=room)) == [
        ("垃圾清运费 × 1 × 1个月", Decimal("1"), Decimal("10"), Decimal("10.00"))
    ]


# --- Cycles -------------------------------------------------------------------------------------


def test_a_quarterly_rule_bills_the_calendar_quarter_once(community, room, manager):
    rule = fee_rule(community, name="物业服务费", cycle="quarterly")

    bill = run(community, [rule], FEB, manager).bills.get()

    assert (bill.period_start, bill.period_end) == (JAN, dt.date(2025, 3, 31))
    assert bill.title == "物业服务费 2025年1月至2025年3月"
    assert bill.due_date == dt.date(2025, 4, 15)
    assert bill.amount == Decimal("827.40")  # 98.50 × 2.80 × 3
    assert lines_of(bill)[0][0] == "建筑面积98.50 m² × 3个月"
    # March belongs to the same quarter: nothing new.
    assert run(community, [rule], dt.date(2025, 3, 1), manager).bill_count == 0
    assert Bill.objects.count() == 1


def test_a_yearly_rule_bills_the_calendar_year(community, room, manager):
    rule = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="10", cycle="yearly",
                    due_day=31)  # fmt: skip

    bill = run(community, [rule], dt.date(2025, 7, 1), manager).bills.get()

    assert (bill.period_start, bill.period_end) == (JAN, dt.date(2025, 12, 31))
    assert bill.title == "垃圾清运费 2025年1月至2025年12月"
    assert bill.due_date == dt.date(2026, 1, 28)  # a due day is at most the 28th
    assert bill.amount == Decimal("120.00")


# --- Prices by date -----------------------------------------------------------------------------


def test_a_price_from_mid_year_applies_from_its_date_and_leaves_earlier_bills_alone(
    community, room, manager
):
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    june = run(community, [rule], dt.date(2025, 6, 1), manager).bills.get()

    services.price_set(
        rule=rule, valid_from=dt.date(2025, 7, 1), unit_price=Decimal("3.20"), actor=manager
    )
    july = run(community, [rule], dt.date(2025, 7, 1), manager).bills.get()

    june.refresh_from_db()
    assert june.amount == Decimal("275.80")
    assert june.lines.get().unit_price == Decimal("2.80")
    assert july.amount == Decimal("315.20")  # 98.50 × 3.20
    assert july.lines.get().unit_price == Decimal("3.20")
    # Previewing June again still uses the old price (and finds it billed).
    plan = services.run_plan(community, [rule], dt.date(2025, 6, 1))
    assert (plan.bills, plan.already_billed) == ([], 1)


def test_a_new_price_inside_a_billed_period_is_refused(community, room, manager):
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    run(community, [rule], dt.date(2025, 6, 1), manager)

    with pytest.raises(ValidationError) as error:
        services.price_set(
            rule=rule, valid_from=dt.date(2025, 6, 15), unit_price=Decimal("3.20"), actor=manager
        )

    assert "valid_from" in error.value.message_dict
    assert rule.prices.count() == 1


def test_a_price_from_mid_quarter_is_used_from_the_next_period(community, room, manager):
    rule = fee_rule(community, name="物业服务费", unit_price="2.80", cycle="quarterly")
    services.price_set(
        rule=rule, valid_from=dt.date(2025, 5, 1), unit_price=Decimal("3.20"), actor=manager
    )

    second = run(community, [rule], dt.date(2025, 5, 1), manager).bills.get()
    third = run(community, [rule], dt.date(2025, 7, 1), manager).bills.get()

    # The price in force at the start of the period prices the whole period.
    assert second.amount == Decimal("827.40")
    assert third.amount == Decimal("945.60")


# --- Never twice --------------------------------------------------------------------------------


def test_running_again_adds_only_what_is_missing(community, room, manager):
    rule = fee_rule(community, name="物业服务费")
    first = run(community, [rule], JAN, manager)
    newcomer = RoomFactory(building=room.building, number="1202")

    again = run(community, [rule], JAN, manager)

    assert first.bill_count == 1
    assert again.bill_count == 1
    assert again.bills.get().room == newcomer
    assert services.run_plan(community, [rule], JAN).already_billed == 2
    assert Bill.objects.count() == 2
    assert BillLine.objects.count() == 2


def test_two_runs_racing_for_the_same_month_create_each_bill_once(
    community, room, manager, monkeypatch
):
    """Both runs planned before either wrote: the second meets the unique constraint and
    creates nothing, instead of failing or duplicating."""
    prop = fee_rule(community, name="物业服务费")
    fixed = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="10")
    RoomFactory(building=room.building, number="1202")
    stale_plan = services.run_plan(community, [prop, fixed], JAN)
    first = run(community, [prop, fixed], JAN, manager)
    monkeypatch.setattr(services, "run_plan", lambda *args, **kwargs: stale_plan)

    second = run(community, [prop, fixed], JAN, manager)

    assert first.bill_count == 4
    assert second.bill_count == 0
    assert second.total == 0
    assert not second.bills.exists()
    assert Bill.objects.count() == 4
    assert BillLine.objects.count() == 4


def test_a_race_on_some_bills_still_creates_the_others(community, room, manager, monkeypatch):
    prop = fee_rule(community, name="物业服务费")
    fixed = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="10")
    stale_plan = services.run_plan(community, [prop, fixed], JAN)
    run(community, [prop], JAN, manager)  # the other run took the property bill meanwhile
    monkeypatch.setattr(services, "run_plan", lambda *args, **kwargs: stale_plan)

    second = run(community, [prop, fixed], JAN, manager)

    assert list(second.bills.values_list("kind", flat=True)) == ["fixed"]
    assert (second.bill_count, second.total) == (1, Decimal("10.00"))
    assert second.bills.get().lines.count() == 1
    assert Bill.objects.count() == 2
