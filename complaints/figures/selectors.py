"""Reads of the figures part: the staff statistics of one community, the platform's complaint
figures (PSTA-2), the settings lists and the room page's panel.

Every figure is an aggregate in the database: a fixed number of queries whatever the number of
complaints, suggestions or communities. A period is a range of local calendar days,
[start 00:00, end + 1 day 00:00) in the site's time zone, and the figures count the complaints
filed and the suggestions submitted in it (what happened to them since is their status)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Community, Residency, Room
from staff.models import StaffMember

from ..models import Complaint, ComplaintCategory, Department, Suggestion

Status = Complaint.Status
SuggestionStatus = Suggestion.Status
OPEN = list(Complaint.OPEN_STATUSES)
# The room page lists this many of each kind, newest first.
ROOM_LIMIT = 20


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes [start 00:00 local, end + 1 day 00:00 local)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction with four places, half up (None when there is no whole)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def mean(total: int | None, count: int, places: str = "0.01") -> Decimal | None:
    """total / count with exact decimal rounding, half up (None when nothing was counted)."""
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- What one group of complaints adds up to ---------------------------------------------------

# Sums and counts (never averages) so that rows of a finer grouping add up exactly to a coarser
# one: the statistics page asks once, per category × department × handler, and adds up the rest.
COMPLAINT_SUMS = {
    "filed": Count("pk"),
    "accepted": Count("accepted_at"),
    "accepted_on_time": Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))),
    "replied": Count("replied_at"),
    "replied_on_time": Count("pk", filter=Q(replied_at__lte=F("reply_due_at"))),
    "accept_seconds_sum": Sum("accept_seconds"),
    "accept_seconds_n": Count("accept_seconds"),
    "close_seconds_sum": Sum("close_seconds"),
    "close_seconds_n": Count("close_seconds"),
    "satisfaction_sum": Sum("satisfaction"),
    "rated": Count("satisfaction"),
    "returned": Count("pk", filter=Q(return_count__gt=0)),
    "returns": Sum("return_count"),
    **{f"status_{value}": Count("pk", filter=Q(status=value)) for value in Status.values},
    **{
        f"channel_{value}": Count("pk", filter=Q(channel=value))
        for value in Complaint.Channel.values
    },
}


@dataclass(frozen=True)
class ComplaintSums:
    """The figures of a group of complaints; averages and shares are exact Decimals or None
    (shown as "—") when there is nothing to average."""

    filed: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    replied: int = 0
    replied_on_time: int = 0
    accept_seconds_sum: int = 0
    accept_seconds_n: int = 0
    close_seconds_sum: int = 0
    close_seconds_n: int = 0
    satisfaction_sum: int = 0
    rated: int = 0
    returned: int = 0
    returns: int = 0
    statuses: tuple[tuple[str, int], ...] = ()
    channels: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, row: dict | None) -> ComplaintSums:
        row = row or {}
        plain = {name: row.get(name) or 0 for name in cls.__dataclass_fields__}
        plain["statuses"] = tuple(
            (value, row.get(f"status_{value}") or 0) for value in Status.values
        )
        plain["channels"] = tuple(
            (value, row.get(f"channel_{value}") or 0) for value in Complaint.Channel.values
        )
        return cls(**plain)

    @classmethod
    def added(cls, groups: Iterable[ComplaintSums]) -> ComplaintSums:
        """Several groups' sums as one (communities into the platform's total)."""
        total = dict.fromkeys(COMPLAINT_SUMS, 0)
        for sums in groups:
            for name in cls.__dataclass_fields__:
                if name not in ("statuses", "channels"):
                    total[name] += getattr(sums, name)
            for value, count in sums.by_status.items():
                total[f"status_{value}"] += count
            for value, count in sums.by_channel.items():
                total[f"channel_{value}"] += count
        return cls.of(total)

    @property
    def by_status(self) -> dict[str, int]:
        return dict(self.statuses) or dict.fromkeys(Status.values, 0)

    @property
    def by_channel(self) -> dict[str, int]:
        return dict(self.channels) or dict.fromkeys(Complaint.Channel.values, 0)

    @property
    def closed(self) -> int:
        return self.by_status[Status.CLOSED]

    @property
    def open(self) -> int:
        return sum(self.by_status[value] for value in Complaint.OPEN_STATUSES)

    @property
    def avg_accept_seconds(self) -> Decimal | None:
        return mean(self.accept_seconds_sum, self.accept_seconds_n, "1")

    @property
    def avg_close_seconds(self) -> Decimal | None:
        return mean(self.close_seconds_sum, self.close_seconds_n, "1")

    @property
    def accepted_on_time_rate(self) -> Decimal | None:
        return ratio(self.accepted_on_time, self.accepted)

    @property
    def replied_on_time_rate(self) -> Decimal | None:
        return ratio(self.replied_on_time, self.replied)

    @property
    def avg_satisfaction(self) -> Decimal | None:
        return mean(self.satisfaction_sum, self.rated)

    @property
    def total_returns(self) -> int:
        return self.returns


def summed(rows: Iterable[dict]) -> ComplaintSums:
    """The sums of finer groups (rows of COMPLAINT_SUMS) added up into one."""
    total = dict.fromkeys(COMPLAINT_SUMS, 0)
    for row in rows:
        for name in total:
            total[name] += row[name] or 0
    return ComplaintSums.of(total)


# --- Suggestions ---------------------------------------------------------------------------------

SUGGESTION_SUMS = {
    "submitted": Count("pk"),
    "adopted": Count("pk", filter=Q(status=SuggestionStatus.ADOPTED)),
    "in_progress": Count("pk", filter=Q(status=SuggestionStatus.IN_PROGRESS)),
    "completed": Count("pk", filter=Q(status=SuggestionStatus.COMPLETED)),
    "declined": Count("pk", filter=Q(status=SuggestionStatus.DECLINED)),
    "merged": Count("pk", filter=Q(status=SuggestionStatus.MERGED)),
    "undecided": Count("pk", filter=Q(status__in=Suggestion.OPEN_STATUSES)),
}


@dataclass(frozen=True)
class SuggestionSums:
    submitted: int = 0
    adopted: int = 0  # adopted, the plan not started yet
    in_progress: int = 0
    completed: int = 0
    declined: int = 0
    merged: int = 0
    undecided: int = 0  # submitted or being evaluated

    @classmethod
    def of(cls, row: dict | None) -> SuggestionSums:
        row = row or {}
        return cls(**{name: row[name] for name in SUGGESTION_SUMS if row.get(name) is not None})

    @classmethod
    def added(cls, groups: Iterable[SuggestionSums]) -> SuggestionSums:
        groups = list(groups)
        return cls(
            **{name: sum(getattr(sums, name) for sums in groups) for name in SUGGESTION_SUMS}
        )

    @property
    def taken_up(self) -> int:
        """Adopted, whatever came of it since (being carried out, done)."""
        return self.adopted + self.in_progress + self.completed

    @property
    def decided(self) -> int:
        return self.taken_up + self.declined

    @property
    def adoption_rate(self) -> Decimal | None:
        """Adopted (and since carried out or done) over decided; merged and undecided ones do
        not count."""
        return ratio(self.taken_up, self.decided)


# --- The staff statistics page -------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: object
    label: str
    sums: ComplaintSums


@dataclass(frozen=True)
class CommunityFigures:
    start: dt.date
    end: dt.date
    totals: ComplaintSums
    by_status: list[Group]
    by_channel: list[Group]
    by_category: list[Group]
    by_department: list[Group]
    by_handler: list[Group]
    suggestions: SuggestionSums


def _groups(rows: list[dict], key: str, names: dict, unnamed_last: bool) -> list[Group]:
    """Rows (per category × department × handler) added up by one of the three keys, the
    largest first; the group without one (no department yet…) last."""
    buckets: dict = {}
    for row in rows:
        buckets.setdefault(row[key], []).append(row)
    groups = [Group(pk, names.get(pk, ""), summed(bucket)) for pk, bucket in buckets.items()]
    groups.sort(
        key=lambda group: (unnamed_last and group.key is None, -group.sums.filed, group.label)
    )
    return groups


def community_figures(community: Community, start: dt.date, end: dt.date) -> CommunityFigures:
    """Everything the statistics page shows, in five queries whatever the number of complaints:
    one pass over the period's complaints grouped by category × department × handler (the
    totals, statuses and channels add up from it), the names of those three, and one for the
    suggestions."""
    since, until = period_bounds(start, end)
    rows = list(
        Complaint.objects.filter(community=community, created_at__gte=since, created_at__lt=until)
        .values("category_id", "department_id", "handler_id")
        .annotate(**COMPLAINT_SUMS)
        .order_by()
    )
    categories = dict(
        ComplaintCategory.objects.filter(community=community).values_list("pk", "name")
    )
    departments = dict(Department.objects.filter(community=community).values_list("pk", "name"))
    handler_ids = {row["handler_id"] for row in rows if row["handler_id"] is not None}
    handlers = {
        member.pk: str(member)
        for member in (
            StaffMember.objects.filter(pk__in=handler_ids).select_related("user")
            if handler_ids
            else []
        )
    }
    totals = summed(rows)
    suggestions_row = Suggestion.objects.filter(
        community=community, created_at__gte=since, created_at__lt=until
    ).aggregate(**SUGGESTION_SUMS)
    return CommunityFigures(
        start=start,
        end=end,
        totals=totals,
        by_status=[
            Group(value, str(label), ComplaintSums(filed=totals.by_status[value]))
            for value, label in Status.choices
        ],
        by_channel=[
            Group(value, str(label), ComplaintSums(filed=totals.by_channel[value]))
            for value, label in Complaint.Channel.choices
        ],
        by_category=_groups(rows, "category_id", categories, unnamed_last=False),
        by_department=_groups(rows, "department_id", departments, unnamed_last=True),
        by_handler=_groups(rows, "handler_id", handlers, unnamed_last=True),
        suggestions=SuggestionSums.of(suggestions_row),
    )


# --- The platform statistics (PSTA-2) ------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintFigures:
    """One community's complaints and suggestions of a period, for the platform statistics."""

    community_id: int
    complaints: ComplaintSums
    suggestions: SuggestionSums

    @property
    def filed(self) -> int:
        return self.complaints.filed

    @property
    def closed(self) -> int:
        return self.complaints.closed

    @property
    def avg_satisfaction(self) -> Decimal | None:
        return self.complaints.avg_satisfaction

    @property
    def adoption_rate(self) -> Decimal | None:
        return self.suggestions.adoption_rate


def complaint_figures(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[int, ComplaintFigures]:
    """Per community (by id, every community asked for, zeros included): the complaints filed
    between `start` and `end` (dates, both included) with their times to accept and to close,
    the shares accepted and replied on time, satisfaction and returns; and the suggestions
    submitted then, with what was decided (the adoption rate). Two aggregate queries, whatever
    the number of communities, complaints or suggestions. What the platform statistics (PSTA-2)
    read."""
    ids = [getattr(community, "pk", community) for community in communities]
    if not ids:
        return {}
    since, until = period_bounds(start, end)
    complaints = {
        row["community_id"]: row
        for row in Complaint.objects.filter(
            community_id__in=ids, created_at__gte=since, created_at__lt=until
        )
        .values("community_id")
        .annotate(**COMPLAINT_SUMS)
        .order_by()
    }
    suggestions = {
        row["community_id"]: row
        for row in Suggestion.objects.filter(
            community_id__in=ids, created_at__gte=since, created_at__lt=until
        )
        .values("community_id")
        .annotate(**SUGGESTION_SUMS)
        .order_by()
    }
    return {
        pk: ComplaintFigures(
            community_id=pk,
            complaints=ComplaintSums.of(complaints.get(pk)),
            suggestions=SuggestionSums.of(suggestions.get(pk)),
        )
        for pk in ids
    }


def complaint_themes(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[int, list[tuple[str, int]]]:
    """Per community (by id, every community asked for): the categories of the complaints filed
    between `start` and `end` (dates, both included) with their counts, the most frequent
    first. One query. What the platform statistics and the reports' complaint themes read."""
    ids = [getattr(community, "pk", community) for community in communities]
    themes: dict[int, list[tuple[str, int]]] = {pk: [] for pk in ids}
    if not ids:
        return themes
    since, until = period_bounds(start, end)
    rows = (
        Complaint.objects.filter(community_id__in=ids, created_at__gte=since, created_at__lt=until)
        .values("community_id", "category__name")
        .annotate(n=Count("pk"))
        .order_by("community_id", "-n", "category__name")
    )
    for row in rows:
        themes[row["community_id"]].append((row["category__name"] or "", row["n"]))
    return themes


def complaints_by_month(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[dt.date, dict[str, int]]:
    """{first day of a month: {"filed": n, "closed": n, "suggestions": n}} over the
    communities: complaints filed in each month of the period (and how many of those are
    closed now, as `complaint_figures` counts them) and suggestions submitted. Two queries."""
    ids = [getattr(community, "pk", community) for community in communities]
    since, until = period_bounds(start, end)
    months: dict[dt.date, dict[str, int]] = {}

    def month_of(row: dict) -> dict[str, int]:
        month = timezone.localtime(row["month"]).date()
        return months.setdefault(month, {"filed": 0, "closed": 0, "suggestions": 0})

    within = {"community_id__in": ids, "created_at__gte": since, "created_at__lt": until}
    for row in (
        Complaint.objects.filter(**within)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(filed=Count("pk"), closed=Count("pk", filter=Q(status=Status.CLOSED)))
        .order_by()
    ):
        month_of(row).update(filed=row["filed"], closed=row["closed"])
    for row in (
        Suggestion.objects.filter(**within)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        month_of(row)["suggestions"] = row["n"]
    return months


# --- Settings ------------------------------------------------------------------------------------


def categories_of(community: Community) -> QuerySet[ComplaintCategory]:
    """The community's categories (in use first) with their routing and open complaints."""
    return (
        ComplaintCategory.objects.filter(community=community)
        .select_related("department", "handler__user")
        .annotate(open_complaints=Count("complaints", filter=Q(complaints__status__in=OPEN)))
        .order_by("-is_active", "sort_order", "pk")
    )


def departments_of(community: Community) -> QuerySet[Department]:
    """The community's departments (in use first) with their members, in two queries."""
    return (
        Department.objects.filter(community=community)
        .annotate(open_complaints=Count("complaints", filter=Q(complaints__status__in=OPEN)))
        .prefetch_related("members__user")
        .order_by("-is_active", "sort_order", "pk")
    )


def staff_of(community: Community) -> QuerySet[StaffMember]:
    """The active staff serving `community`: who may be a department's member."""
    return (
        StaffMember.objects.filter(
            assignments__community=community, is_active=True, user__is_active=True
        )
        .select_related("user")
        .distinct()
        .order_by("user__display_name", "pk")
    )


# --- The room page -------------------------------------------------------------------------------


def household_ids_of_room(room: Room) -> list[int]:
    """The residencies of the room (any status): a complaint or a suggestion names its
    household by the head's residency."""
    return list(Residency.objects.filter(room=room).values_list("pk", flat=True))


def complaints_of_room(room: Room, households: list[int]) -> list[Complaint]:
    """Complaints filed by the room's households (`household_ids_of_room`) or about the room
    (not about it as a neighbour), newest first, at most `ROOM_LIMIT`: one query. The ids are
    passed as values, not as a subquery, so that the planner uses both indexes."""
    return list(
        Complaint.objects.filter(Q(room=room) | Q(household__in=households))
        .select_related("category")
        .order_by("-created_at", "-pk")[:ROOM_LIMIT]
    )


def complaints_about_room(room: Room) -> list[Complaint]:
    """Complaints naming the room as the neighbour complained about (staff only)."""
    return list(
        Complaint.objects.filter(neighbour_room=room)
        .select_related("category")
        .order_by("-created_at", "-pk")[:ROOM_LIMIT]
    )


def suggestions_of_room(households: list[int]) -> list[Suggestion]:
    return list(
        Suggestion.objects.filter(household__in=households).order_by("-created_at", "-pk")[
            :ROOM_LIMIT
        ]
    )
