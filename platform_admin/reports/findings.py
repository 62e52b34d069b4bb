"""The written findings of an analysis report: pure functions from the figures of this period
and the previous one (platform_admin/figures.py) to an ordered list of Chinese sentences that
carry their numbers. No database, no clock: the task passes the figures in, the tests build
them by hand.

Each rule looks at one thing — the biggest changes against the previous period, the best and
the worst community, overdue repairs, the collection rate against its target, the complaint
themes, the activities' turnout, users' growth and activity — and writes at most a few
findings, each with a weight (how much it deserves a reader's attention, higher first) and a
tone (good, bad or neutral news). Nothing is divided by zero and nothing grows "inf %": a
figure without a previous value is reported as new, a rate without a base is left out, and a
scope of one community has no ranking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from platform_admin.figures import BusinessFigures, UsageFigures

# The collection rate below which a report says so (a fraction).
COLLECTION_TARGET = Decimal("0.90")
# Changes smaller than these are not worth a sentence among "the biggest changes".
MIN_RELATIVE_CHANGE = Decimal("0.10")  # counts and money: 10 %
MIN_POINTS_CHANGE = Decimal("0.03")  # rates: 3 percentage points
MAX_CHANGES = 3  # at most this many figures in the "biggest changes" finding
SMALL_COUNT = 20  # counts below this weigh proportionally less among the changes
LOW_TURNOUT = Decimal("0.60")

GOOD, BAD, NEUTRAL = "good", "bad", "neutral"

# The kinds of finding, in the order a reader meets them when weights tie.
CHANGE, RANKING, OVERDUE, COLLECTION, THEMES, TURNOUT, USERS = (
    "change",
    "ranking",
    "overdue",
    "collection",
    "themes",
    "turnout",
    "users",
)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    weight: float
    tone: str = NEUTRAL

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ScopeFigures:
    """The figures of one period for the communities of a scope: {community id: figures}, with
    the total over all of them under None (what the two selectors return)."""

    usage: dict[int | None, UsageFigures] = field(default_factory=dict)
    business: dict[int | None, BusinessFigures] = field(default_factory=dict)

    def usage_of(self, key: int | None) -> UsageFigures:
        return self.usage.get(key) or UsageFigures()

    def business_of(self, key: int | None) -> BusinessFigures:
        return self.business.get(key) or BusinessFigures()


# --- numbers in words ---


def count(value: int | Decimal | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 10_000:
        return f"{(value / 10_000).quantize(Decimal('0.01'), ROUND_HALF_UP):,}万元"
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,}元"


def percent(rate: Decimal | None) -> str:
    if rate is None:
        return "—"
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def points(difference: Decimal) -> str:
    return f"{(abs(difference) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}个百分点"


def hours(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP)}小时"


def score(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}分"


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


# --- the key figures, as the summary shows them and the change rule compares them ---

COUNT, MONEY, RATE, HOURS, SCORE = "count", "money", "rate", "hours", "score"
FORMATS: dict[str, Callable] = {
    COUNT: count,
    MONEY: money,
    RATE: percent,
    HOURS: hours,
    SCORE: score,
}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # Chinese, used in sentences and tables
    unit: str  # COUNT, MONEY, RATE, HOURS or SCORE
    read: Callable[[UsageFigures, BusinessFigures], int | Decimal | None]
    better: int = 1  # +1: more is better, -1: less is better, 0: neither
    suffix: str = ""  # the counting word after a count (单, 件, 人, 场)

    def value(self, figures: ScopeFigures, key: int | None = None):
        return self.read(figures.usage_of(key), figures.business_of(key))

    def show(self, value) -> str:
        return FORMATS[self.unit](value) + (self.suffix if value is not None else "")


METRICS: tuple[Metric, ...] = (
    Metric("repairs", "报修量", COUNT, lambda u, b: b.repairs, 0, "单"),
    Metric("repair_on_time_rate", "报修按时完成率", RATE, lambda u, b: b.repair_on_time_rate),
    Metric("repairs_overdue", "超时报修", COUNT, lambda u, b: b.repairs_overdue, -1, "单"),
    Metric("repair_rating", "维修评分", SCORE, lambda u, b: b.repair_rating),
    Metric("billed", "应收物业费", MONEY, lambda u, b: b.billed, 0),
    Metric("collected", "实收物业费", MONEY, lambda u, b: b.collected),
    Metric("collection_rate", "收缴率", RATE, lambda u, b: b.collection_rate),
    Metric("complaints", "投诉建议", COUNT, lambda u, b: b.complaints, -1, "件"),
    Metric(
        "complaint_satisfaction", "投诉处理满意度", SCORE, lambda u, b: b.complaint_satisfaction
    ),
    Metric("activities", "社区活动", COUNT, lambda u, b: b.activities, 1, "场"),
    Metric("bookings", "服务预约", COUNT, lambda u, b: b.bookings, 1, "单"),
    Metric("signups", "新注册用户", COUNT, lambda u, b: u.signups, 1, "人"),
    Metric("active_users", "活跃用户", COUNT, lambda u, b: u.active_users, 1, "人"),
)
METRIC = {metric.key: metric for metric in METRICS}
# The key figures of the summary table, in its order.
SUMMARY = (
    "repairs",
    "repair_on_time_rate",
    "collected",
    "collection_rate",
    "complaints",
    "complaint_satisfaction",
    "activities",
    "active_users",
)


@dataclass(frozen=True)
class Change:
    """How a figure moved: `relative` for counts and money (None when the previous value was
    zero), `difference` in the figure's own unit (percentage points as a fraction for rates)."""

    current: int | Decimal | None
    previous: int | Decimal | None
    difference: Decimal | None
    relative: Decimal | None

    @property
    def comparable(self) -> bool:
        return self.difference is not None


def change(current, previous) -> Change:
    if current is None or previous is None:
        return Change(current, previous, None, None)
    difference = Decimal(current) - Decimal(previous)
    relative = difference / Decimal(previous) if previous else None
    return Change(current, previous, difference, relative)


def change_text(metric: Metric, moved: Change) -> str:
    """ "增长12.5%", "下降3.0个百分点", "持平", "上期为0" — the change in words, or "—"."""
    if not moved.comparable:
        return "—"
    if moved.difference == 0:
        return "持平"
    up = moved.difference > 0
    if metric.unit == RATE:
        return ("提高" if up else "降低") + points(moved.difference)
    if metric.unit in (HOURS, SCORE):
        return ("增加" if up else "减少") + FORMATS[metric.unit](abs(moved.difference))
    if moved.relative is None:
        return "上期为0"
    return ("增长" if up else "下降") + percent(abs(moved.relative))


def tone_of(metric: Metric, difference: Decimal) -> str:
    if metric.better == 0 or difference == 0:
        return NEUTRAL
    return GOOD if (difference > 0) == (metric.better > 0) else BAD


# --- the rules ---


# Metrics whose change another rule reports in its own sentence.
COVERED_ELSEWHERE = ("repairs_overdue", "collection_rate", "complaints", "signups")


def biggest_changes(current: ScopeFigures, previous: ScopeFigures) -> list[Finding]:
    """The scope's totals that moved most against the previous period, in one sentence."""
    candidates: list[tuple[Decimal, Metric, Change]] = []
    for metric in METRICS:
        if metric.key in COVERED_ELSEWHERE or metric.unit in (HOURS, SCORE):
            continue  # their own rules and the rankings speak of these
        moved = change(metric.value(current), metric.value(previous))
        if not moved.comparable or moved.difference == 0:
            continue
        if metric.unit == RATE:
            size = abs(moved.difference)
            if size < MIN_POINTS_CHANGE:
                continue
            size = size * 5  # 10 points weigh like a 50 % change
        elif moved.relative is None:
            size = Decimal("1")  # from nothing to something: notable, not infinitely so
        else:
            size = abs(moved.relative)
            if metric.unit == COUNT:
                # 3 to 4 activities is +33 % but hardly news: small counts weigh less.
                size *= min(Decimal(max(moved.current, moved.previous)) / SMALL_COUNT, Decimal(1))
            if size < MIN_RELATIVE_CHANGE:
                continue
        candidates.append((size, metric, moved))
    if not candidates:
        return []
    candidates.sort(key=lambda item: item[0], reverse=True)
    parts = []
    for _size, metric, moved in candidates[:MAX_CHANGES]:
        if moved.relative is None and metric.unit != RATE:
            parts.append(f"{metric.label}（本期{metric.show(moved.current)}，上期为0）")
        else:
            parts.append(
                f"{metric.label}（本期{metric.show(moved.current)}，上期"
                f"{metric.show(moved.previous)}，{change_text(metric, moved)}）"
            )
    text = f"与上期相比，变化最大的是{parts[0]}"
    if len(parts) > 1:
        text += "，其次是" + "、".join(parts[1:])
    tones = {tone_of(metric, moved.difference) for _size, metric, moved in candidates[:MAX_CHANGES]}
    tones.discard(NEUTRAL)
    tone = tones.pop() if len(tones) == 1 else NEUTRAL
    weight = float(min(candidates[0][0], Decimal(3))) * 30 + 20
    return [Finding(CHANGE, text + "。", weight, tone)]


RANKED: tuple[tuple[str, str], ...] = (
    ("collection_rate", "收缴率"),
    ("repair_on_time_rate", "报修按时完成率"),
    ("complaint_satisfaction", "投诉处理满意度"),
)


def rankings(current: ScopeFigures, names: dict[int, str]) -> list[Finding]:
    """Best and worst community by collection rate, on-time repairs and satisfaction; nothing
    for a scope of one community, or where fewer than two communities have the figure."""
    if len(names) < 2:
        return []
    findings = []
    for key, label in RANKED:
        metric = METRIC[key]
        values = [
            (metric.value(current, pk), name)
            for pk, name in names.items()
            if metric.value(current, pk) is not None
        ]
        if len(values) < 2:
            continue
        values.sort(key=lambda item: (-item[0], item[1]))
        (best, best_name), (worst, worst_name) = values[0], values[-1]
        if best == worst:
            text = f"各小区的{label}相同，均为{metric.show(best)}。"
            findings.append(Finding(RANKING, text, 10))
            continue
        gap = best - worst
        gap_text = points(gap) if metric.unit == RATE else score(gap)
        text = (
            f"{label}最高的是{best_name}（{metric.show(best)}），最低的是{worst_name}"
            f"（{metric.show(worst)}），相差{gap_text}。"
        )
        size = gap * 5 if metric.unit == RATE else gap / 2
        findings.append(Finding(RANKING, text, 30 + float(min(size, Decimal(1))) * 30, BAD
                                if metric.unit == RATE and gap >= Decimal("0.15") else NEUTRAL))  # fmt: skip
    return findings


def overdue_trend(
    current: ScopeFigures, previous: ScopeFigures, names: dict[int, str]
) -> list[Finding]:
    now, before = current.business_of(None), previous.business_of(None)
    if not now.repairs and not now.repairs_overdue and not before.repairs_overdue:
        return []
    share = ratio(now.repairs_overdue, now.repairs)
    share_text = f"，占报修量的{percent(share)}" if share is not None else ""
    if now.repairs_overdue == 0:
        if before.repairs_overdue:
            text = f"本期没有超时报修（上期{count(before.repairs_overdue)}单），维修响应明显改善。"
            return [Finding(OVERDUE, text, 45, GOOD)]
        return [Finding(OVERDUE, "本期没有超时报修。", 15, GOOD)]
    difference = now.repairs_overdue - before.repairs_overdue
    if difference > 0:
        trend = f"比上期增加{count(difference)}单"
        tone, weight = BAD, 50 + min(difference / max(before.repairs_overdue, 1), 2) * 10
    elif difference < 0:
        trend = f"比上期减少{count(-difference)}单"
        tone, weight = GOOD, 35.0
    else:
        trend = "与上期持平"
        tone, weight = NEUTRAL, 25.0
    text = f"超时未完成的报修有{count(now.repairs_overdue)}单{share_text}，{trend}。"
    worst = _most(current, names, lambda b: b.repairs_overdue)
    if worst is not None:
        text += f"超时最多的是{worst[1]}（{count(worst[0])}单）。"
    if tone == BAD:
        text += "建议检查维修人员排班和派单时限。"
    return [Finding(OVERDUE, text, float(weight), tone)]


def _most(current: ScopeFigures, names: dict[int, str], read) -> tuple[int, str] | None:
    if len(names) < 2:
        return None
    values = sorted(
        ((read(current.business_of(pk)), name) for pk, name in names.items()),
        key=lambda item: (-item[0], item[1]),
    )
    return values[0] if values and values[0][0] > 0 else None


def collection(
    current: ScopeFigures,
    previous: ScopeFigures,
    names: dict[int, str],
    target: Decimal = COLLECTION_TARGET,
) -> list[Finding]:
    total = current.business_of(None)
    rate = total.collection_rate
    if rate is None:
        return []
    before = previous.business_of(None).collection_rate
    compared = ""
    if before is not None and before != rate:
        compared = f"，比上期{'提高' if rate > before else '降低'}{points(rate - before)}"
    lagging = sorted(
        (
            (current.business_of(pk).collection_rate, name)
            for pk, name in names.items()
            if current.business_of(pk).collection_rate is not None
            and current.business_of(pk).collection_rate < target
        ),
        key=lambda item: (item[0], item[1]),
    )
    summary = (
        f"本期应收物业费{money(total.billed)}，实收{money(total.collected)}，"
        f"收缴率{percent(rate)}{compared}"
    )
    if rate < target:
        text = f"{summary}，低于{percent(target)}的目标，需加强催缴。"
        tone, weight = BAD, 60 + float(min(target - rate, Decimal("0.3"))) * 100
    else:
        text = f"{summary}，达到{percent(target)}的目标。"
        tone, weight = GOOD, 20.0
    if len(names) > 1 and lagging:
        listed = "、".join(f"{name}（{percent(value)}）" for value, name in lagging[:5])
        more = f"等{len(lagging)}个小区" if len(lagging) > 5 else ""
        text += f"收缴率低于目标的有：{listed}{more}。"
        if tone == GOOD:
            tone, weight = NEUTRAL, 40.0
    return [Finding(COLLECTION, text, weight, tone)]


def complaint_themes(current: ScopeFigures, previous: ScopeFigures) -> list[Finding]:
    total = current.business_of(None)
    before = previous.business_of(None)
    if not total.complaints:
        if before.complaints:
            return [Finding(THEMES, f"本期没有收到投诉建议（上期{count(before.complaints)}件）。",
                            15, GOOD)]  # fmt: skip
        return []
    themes = sorted(
        (item for item in total.complaint_themes if item[1] > 0),
        key=lambda item: (-item[1], item[0]),
    )[:3]
    text = f"本期共收到投诉建议{count(total.complaints)}件"
    moved = change(total.complaints, before.complaints)
    if before.complaints:
        text += f"（上期{count(before.complaints)}件，{change_text(METRIC['complaints'], moved)}）"
    if themes:
        parts = [
            f"{name}（{count(number)}件，占{percent(ratio(number, total.complaints))}）"
            for name, number in themes
        ]
        lead = "最集中的主题是" if len(themes) > 1 else "主题是"
        text += f"，{lead}" + "、".join(parts)
    text += "。"
    if total.complaint_satisfaction is not None:
        text += f"已办结{count(total.complaints_closed)}件，满意度{score(total.complaint_satisfaction)}。"
    weight = 40 + (10 if moved.relative is not None and moved.relative > MIN_RELATIVE_CHANGE else 0)
    tone = BAD if moved.relative is not None and moved.relative > Decimal("0.2") else NEUTRAL
    return [Finding(THEMES, text, float(weight), tone)]


def turnout(current: ScopeFigures, previous: ScopeFigures) -> list[Finding]:
    total = current.business_of(None)
    if not total.activities:
        return []
    text = (
        f"本期举办社区活动{count(total.activities)}场，报名{count(total.activity_signups)}人，"
        f"到场{count(total.activity_attendance)}人"
    )
    rate = total.attendance_rate
    tone, weight = NEUTRAL, 25.0
    if rate is not None:
        text += f"，到场率{percent(rate)}"
        before = previous.business_of(None).attendance_rate
        if before is not None and before != rate:
            text += f"，比上期{'提高' if rate > before else '降低'}{points(rate - before)}"
        if rate < LOW_TURNOUT:
            text += "，报名后未到场的较多，可在活动前一天加强提醒"
            tone, weight = BAD, 35.0
    return [Finding(TURNOUT, text + "。", weight, tone)]


def users(current: ScopeFigures, previous: ScopeFigures) -> list[Finding]:
    now, before = current.usage_of(None), previous.usage_of(None)
    findings = []
    if now.signups or before.signups:
        text = f"本期新注册用户{count(now.signups)}人"
        moved = change(now.signups, before.signups)
        if before.signups:
            text += f"（上期{count(before.signups)}人，{change_text(METRIC['signups'], moved)}）"
        if now.signups:
            text += f"，其中{count(now.verified)}人已认证房屋"
            if now.requested_room > now.verified:
                text += f"，另有{count(now.requested_room - now.verified)}人提交了认证尚未通过"
        tone = NEUTRAL
        if moved.relative is not None and abs(moved.relative) >= Decimal("0.2"):
            tone = GOOD if moved.relative > 0 else BAD
        findings.append(Finding(USERS, text + "。", 30.0, tone))
    if now.active_users:
        share = ratio(now.active_users, now.residents)
        text = f"本期活跃用户{count(now.active_users)}人"
        if share is not None:
            text += (
                f"，占期末认证住户（{count(now.residents)}人）的{percent(min(share, Decimal(1)))}"
            )
        text += f"，日均活跃{now.daily_active_average.quantize(Decimal('0.1'), ROUND_HALF_UP)}人，"
        text += f"人均活跃{now.active_days_per_user.quantize(Decimal('0.1'), ROUND_HALF_UP)}天"
        favourite = max(now.feature_users.items(), key=lambda item: (item[1], item[0]),
                        default=None)  # fmt: skip
        if favourite is not None and favourite[1] > 0:
            text += f"；使用人数最多的功能是{FEATURE_LABELS.get(favourite[0], favourite[0])}（{count(favourite[1])}人）"
        findings.append(Finding(USERS, text + "。", 28.0))
    return findings


FEATURE_LABELS = {
    "repairs": "报修",
    "payments": "缴费",
    "notices": "公告",
    "bookings": "服务预约",
    "activities": "社区活动",
    "complaints": "投诉建议",
}

ORDER = (CHANGE, COLLECTION, OVERDUE, RANKING, THEMES, TURNOUT, USERS)


def findings(
    current: ScopeFigures,
    previous: ScopeFigures,
    names: dict[int, str],
    *,
    target: Decimal = COLLECTION_TARGET,
) -> list[Finding]:
    """Every rule's findings, weightiest first (ties in ORDER of kinds). `names` maps the
    scope's community ids to their names; one name means no ranking."""
    found = [
        *biggest_changes(current, previous),
        *rankings(current, names),
        *overdue_trend(current, previous, names),
        *collection(current, previous, names, target),
        *complaint_themes(current, previous),
        *turnout(current, previous),
        *users(current, previous),
    ]
    return sorted(found, key=lambda item: (-item.weight, ORDER.index(item.kind)))
