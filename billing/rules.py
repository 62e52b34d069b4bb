"""How much a fee is: pure functions over Decimal, no database.

Every amount is rounded to the fen with ROUND_HALF_UP once, at the end of its line; a bill is
the sum of its rounded lines. Each function returns the lines that explain the amount."""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from kit.templatetags import money

FEN = Decimal("0.01")


def to_fen(value: Decimal) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


# Money as every page and document writes it (¥1,234.50): the templates' `yuan` filter.
yuan = money.yuan


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months of a period [start, end] that begins on the 1st and ends on a month end."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_for(month: dt.date, cycle_months: int) -> tuple[dt.date, dt.date]:
    """The billing period of `cycle_months` that contains `month`: a month, a calendar quarter
    or a calendar year."""
    first_month = ((month.month - 1) // cycle_months) * cycle_months + 1
    start = dt.date(month.year, first_month, 1)
    end_month = first_month + cycle_months - 1
    end = dt.date(month.year, end_month, calendar.monthrange(month.year, end_month)[1])
    return start, end


def due_date(period_end: dt.date, due_day: int) -> dt.date:
    """`due_day` of the month after the period."""
    year, month = (period_end.year + 1, 1) if period_end.month == 12 else (
        period_end.year, period_end.month + 1)  # fmt: skip
    return dt.date(year, month, min(due_day, 28))


def area_fee(area: Decimal, unit_price: Decimal, months: int) -> list[Line]:
    """Property management: floor area × price per m² and month × months."""
    return [
        Line(
            _("Floor area %(area)s m² × %(months)d month(s)") % {"area": area, "months": months},
            quantity=Decimal(area) * months,
            unit="m²·月",
            unit_price=Decimal(unit_price),
            amount=to_fen(Decimal(area) * Decimal(unit_price) * months),
        )
    ]


def per_item_fee(count: int, unit_price: Decimal, months: int, label: str) -> list[Line]:
    """Parking spaces or a fixed charge: count × price per month × months."""
    return [
        Line(
            _("%(label)s × %(count)d × %(months)d month(s)")
            % {"label": label, "count": count, "months": months},
            quantity=Decimal(count * months),
            unit="月",
            unit_price=Decimal(unit_price),
            amount=to_fen(Decimal(unit_price) * count * months),
        )
    ]


class ParsedTiers(list):
    """The result of `parse_tiers`: `metered_fee` and `MeteredPrices` take it as it is."""


def parse_tiers(tiers: list) -> list[tuple[Decimal | None, Decimal]]:
    """[["200", "0.538"], ["", "0.838"]] → [(200, 0.538), (None, 0.838)], checked: limits
    ascending, only the last open, prices not negative."""
    parsed: list[tuple[Decimal | None, Decimal]] = []
    for index, (limit, price) in enumerate(tiers or []):
        upper = Decimal(str(limit)) if str(limit).strip() else None
        price = Decimal(str(price))
        if price < 0:
            raise ValueError("negative price")
        if upper is None and index != len(tiers) - 1:
            raise ValueError("only the last tier may be open")
        if upper is not None and parsed and parsed[-1][0] is not None and upper <= parsed[-1][0]:
            raise ValueError("tier limits must rise")
        parsed.append((upper, price))
    if parsed and parsed[-1][0] is not None:
        raise ValueError("the last tier must be open")
    return ParsedTiers(parsed)


def metered_fee(
    consumption: Decimal, unit_price: Decimal, tiers: list, unit: str, previous: Decimal,
    current: Decimal,
) -> list[Line]:  # fmt: skip
    """Water, electricity, gas: consumption × price, or by tiers when the rule has them (each
    tier's share at its price, one line per tier used)."""
    return MeteredPrices(unit_price, tiers, unit).lines(Decimal(consumption), previous, current)


class MeteredPrices:
    """A metered rule's price for many meters (a bill run's 20,000 rooms): the tiers parsed
    and the texts translated once, each consumption's shares worked out once."""

    def __init__(self, unit_price: Decimal, tiers: list, unit: str):
        self.unit_price = Decimal(unit_price)
        self.tiers = tiers if isinstance(tiers, ParsedTiers) else parse_tiers(tiers)
        self.unit = unit
        self.reading_text = _("Reading %(previous)s → %(current)s")
        self.tier_text = _("%(reading)s, tier %(tier)d")
        self.shares: dict[Decimal, list[tuple]] = {}

    def lines(self, consumption: Decimal, previous: Decimal, current: Decimal) -> list[Line]:
        shares = self.shares.get(consumption)
        if shares is None:
            shares = self.shares[consumption] = self._shares(consumption)
        reading = self.reading_text % {"previous": previous, "current": current}
        if not self.tiers:
            ((_tier, quantity, price, amount),) = shares
            return [Line(reading, quantity, self.unit, price, amount)]
        return [
            Line(self.tier_text % {"reading": reading, "tier": tier}, quantity, self.unit, price,
                 amount)
            for tier, quantity, price, amount in shares
        ]  # fmt: skip

    def _shares(self, consumption: Decimal) -> list[tuple]:
        """(tier number, quantity, price, amount) of each line."""
        if not self.tiers:
            return [(None, consumption, self.unit_price, to_fen(consumption * self.unit_price))]
        shares, lower, left = [], Decimal(0), consumption
        for number, (upper, price) in enumerate(self.tiers, start=1):
            if left <= 0:
                break
            quantity = left if upper is None else min(left, upper - lower)
            shares.append((number, quantity, price, to_fen(quantity * price)))
            left -= quantity
            lower = upper if upper is not None else lower
        return shares


def late_fee(
    outstanding: Decimal, due: dt.date, today: dt.date, daily_rate: Decimal, cap_rate: Decimal
) -> Decimal:
    """Days after the due date × daily rate × what is unpaid, at most cap_rate × unpaid.
    Nothing on the due date itself."""
    days = (today - due).days
    if days <= 0 or outstanding <= 0 or daily_rate <= 0:
        return Decimal("0.00")
    fee = Decimal(outstanding) * Decimal(daily_rate) * days
    if cap_rate > 0:
        fee = min(fee, Decimal(outstanding) * Decimal(cap_rate))
    return to_fen(fee)


DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]


def to_chinese_capitals(amount: Decimal) -> str:
    """Amount in 大写 as on receipts: 1234.50 → 壹仟贰佰叁拾肆元伍角整; 0.05 → 伍分."""
    amount = to_fen(amount)
    if amount < 0:
        return "负" + to_chinese_capitals(-amount)
    yuan = int(amount)
    fen_total = int((amount - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)
    text = _integer_capitals(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return text


def _integer_capitals(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    text, zero_pending = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(text)
            continue
        if text and (zero_pending or group < 1000):
            text += "零"
        text += _group_capitals(group) + BIG_UNITS[index]
        zero_pending = False
    return text


def _group_capitals(group: int) -> str:
    digits = [group // 1000, group // 100 % 10, group // 10 % 10, group % 10]
    text, zero = "", False
    for position, digit in enumerate(digits):
        unit = SMALL_UNITS[3 - position]
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + unit
    return text
