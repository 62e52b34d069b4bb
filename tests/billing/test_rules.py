"""The fee arithmetic (billing.rules): each rule, rounding, tiers, late fees, 大写."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing import rules


@pytest.mark.req("SBIL-1")
def test_area_times_price_times_months_rounds_half_up_to_the_fen():
    (line,) = rules.area_fee(D("89.55"), D("2.35"), 3)
    # 89.55 × 2.35 × 3 = 631.3275 → 631.33
    assert line.amount == D("631.33")
    (line,) = rules.area_fee(D("10.01"), D("0.25"), 1)  # 2.5025 → 2.50
    assert line.amount == D("2.50")
    (line,) = rules.area_fee(D("10.02"), D("0.25"), 1)  # 2.505 → 2.51 (half up)
    assert line.amount == D("2.51")


@pytest.mark.req("SBIL-1")
def test_tiered_meter_prices_charge_each_share_at_its_price():
    tiers = [["200", "0.538"], ["400", "0.588"], ["", "0.838"]]
    lines = rules.metered_fee(D("450"), D("0"), tiers, "kWh", D("1000"), D("1450"))
    assert [(line.quantity, line.amount) for line in lines] == [
        (D("200"), D("107.60")), (D("200"), D("117.60")), (D("50"), D("41.90")),
    ]  # fmt: skip
    flat = rules.metered_fee(D("12.5"), D("3.45"), [], "m³", D("100"), D("112.5"))
    assert [line.amount for line in flat] == [D("43.13")]  # 43.125 → 43.13


def test_bad_tiers_are_refused():
    for tiers in ([["200", "1"], ["100", "2"], ["", "3"]], [["", "1"], ["200", "2"]],
                  [["200", "1"]], [["200", "-1"], ["", "1"]]):  # fmt: skip
        with pytest.raises(ValueError):
            rules.parse_tiers(tiers)


@pytest.mark.req("SBIL-2")
def test_late_fee_per_day_with_a_cap():
    due = dt.date(2026, 3, 15)
    assert rules.late_fee(D("275.80"), due, due, D("0.0005"), D("0.1")) == D("0.00")
    # 10 days × 0.05 % × 275.80 = 1.379 → 1.38
    assert rules.late_fee(D("275.80"), due, dt.date(2026, 3, 25), D("0.0005"), D("0.1")) == D(
        "1.38"
    )
    # a year late: capped at 10 % = 27.58
    assert rules.late_fee(D("275.80"), due, dt.date(2027, 3, 15), D("0.0005"), D("0.1")) == D(
        "27.58"
    )


def test_periods_and_due_dates():
    assert rules.period_for(dt.date(2026, 5, 1), 1) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert rules.period_for(dt.date(2026, 5, 1), 3) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert rules.period_for(dt.date(2026, 5, 1), 12) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # fmt: skip
    assert rules.due_date(dt.date(2026, 12, 31), 15) == dt.date(2027, 1, 15)
    assert rules.due_date(dt.date(2026, 1, 31), 31) == dt.date(2026, 2, 28)


@pytest.mark.req("BIL-4")
@pytest.mark.parametrize(
    "amount, capitals",
    [
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("0.05", "伍分"),
        ("10000", "壹万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("105000000.09", "壹亿零伍佰万元零玖分"),
        ("275.80", "贰佰柒拾伍元捌角整"),
    ],
)
def test_amounts_in_chinese_capitals(amount, capitals):
    assert rules.to_chinese_capitals(D(amount)) == capitals
