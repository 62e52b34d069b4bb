"""The community services figures of the work home page (staff.workday): parcels waiting,
activities this week, bookings waiting for confirmation, each linking to its list filtered
to exactly those rows. One source per list, so a position sees (and queries) only its own."""

import datetime as dt

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.workday import Values, WorkFigure, WorkSource, by_community

from .models import Activity, Booking, Parcel

GROUP = _("Community services")


def week_of(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """This week, Monday to Sunday in local time."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=7)


def _count(queryset, name: str) -> Values:
    return by_community(queryset.order_by().values("community").annotate(**{name: Count("pk")}))


def parcels(community_ids: list[int], now: dt.datetime) -> Values:
    return _count(
        Parcel.objects.filter(community_id__in=community_ids, status=Parcel.Status.WAITING),
        "waiting",
    )


def activities(community_ids: list[int], now: dt.datetime) -> Values:
    start, end = week_of(now)
    return _count(
        Activity.objects.filter(
            community_id__in=community_ids,
            status=Activity.Status.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=end,
        ),
        "this_week",
    )


def bookings(community_ids: list[int], now: dt.datetime) -> Values:
    return _count(
        Booking.objects.filter(community_id__in=community_ids, status=Booking.Status.REQUESTED),
        "waiting",
    )


SOURCES = (
    WorkSource(name="parcels", group=GROUP, order=40, compute=parcels, figures=(
        WorkFigure("waiting", _("Parcels waiting"), "box-seam", "services.view_parcel", 1,
                   "services_staff:parcel_list", {"status": Parcel.Status.WAITING},
                   key=True),
    )),
    WorkSource(name="activities", group=GROUP, order=41, compute=activities, figures=(
        WorkFigure("this_week", _("Activities this week"), "calendar-event",
                   "services.view_activity", 2, "services_staff:activity_list",
                   {"when": "week", "status": Activity.Status.PUBLISHED}),
    )),
    WorkSource(name="bookings", group=GROUP, order=42, compute=bookings, figures=(
        WorkFigure("waiting", _("Bookings to confirm"), "calendar-check",
                   "services.view_booking", 3, "services_staff:booking_list",
                   {"status": Booking.Status.REQUESTED}, tone="warning"),
    )),
)  # fmt: skip
