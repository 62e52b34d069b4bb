"""The figures of one scope over one period, as the statistics pages show them and the analysis
reports (reports/) write about them. `usage.selectors.usage_figures` fills UsageFigures
(PSTA-1), `business.selectors.business_figures` BusinessFigures (PSTA-2); each takes a
queryset of communities and a Period and returns {community id: figures} plus the total over
all of them (key None), in a bounded number of queries whatever the number of communities.

Counts are ints, money Decimal, rates Decimal fractions (0.953 = 95.3 %) or None where there is
nothing to divide by, durations hours as Decimal or None."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# The features whose use PSTA-1 counts, in the order the pages list them.
FEATURES = ("repairs", "payments", "notices", "bookings", "activities", "complaints")
CHANNELS = ("phone", "wechat", "qq")


@dataclass
class UsageFigures:
    signups: int = 0
    signups_by_channel: dict[str, int] = field(default_factory=dict)  # CHANNELS
    requested_room: int = 0  # of those who signed up in the period: asked to bind a room
    verified: int = 0  # … and were verified
    residents: int = 0  # users with a verified residency at the end of the period
    active_users: int = 0  # distinct users active on any day of the period
    daily_active_average: Decimal = Decimal("0")
    active_days_per_user: Decimal = Decimal("0")  # frequency: active days / active users
    feature_users: dict[str, int] = field(default_factory=dict)  # FEATURES -> distinct users
    feature_days: dict[str, int] = field(default_factory=dict)  # FEATURES -> user-days


@dataclass
class BusinessFigures:
    # repairs
    repairs: int = 0
    repairs_finished: int = 0
    repairs_overdue: int = 0
    repair_on_time_rate: Decimal | None = None
    repair_accept_hours: Decimal | None = None
    repair_finish_hours: Decimal | None = None
    repair_rating: Decimal | None = None  # 1–5
    repair_ratings: int = 0
    # money
    billed: Decimal = Decimal("0.00")
    collected: Decimal = Decimal("0.00")
    collection_rate: Decimal | None = None
    collected_by_method: dict[str, Decimal] = field(default_factory=dict)  # of `received`
    # Money received in the period (late fees included), whatever bills it paid; `billed`,
    # `collected` and `arrears` are about the bills of the period (their period starts in it).
    received: Decimal = Decimal("0.00")
    arrears: Decimal = Decimal("0.00")
    # activities
    activities: int = 0
    activity_signups: int = 0  # people signed up
    activity_attendance: int = 0  # people checked in
    attendance_rate: Decimal | None = None
    # services
    bookings: int = 0
    bookings_completed: int = 0
    booking_rating: Decimal | None = None
    booking_reviews: int = 0
    # complaints and suggestions
    complaints: int = 0
    complaints_closed: int = 0
    complaint_close_hours: Decimal | None = None
    complaint_satisfaction: Decimal | None = None  # 1–5
    complaints_rated: int = 0
    complaint_themes: list[tuple[str, int]] = field(default_factory=list)  # category, count
    suggestions: int = 0
    suggestions_adopted: int = 0
    suggestions_decided: int = 0  # adopted or declined
    suggestion_adoption_rate: Decimal | None = None
