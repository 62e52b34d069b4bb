"""Reads of the conversation part: the thread as each side sees it, the read markers, the
unread counts of a list, and the complaints that may be merged into another."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Residency, User

from ..models import Complaint, ComplaintMessage, ComplaintRead

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MERGE_WINDOW_DAYS = 30
MERGE_CANDIDATES = 30


@dataclass
class Thread:
    messages: list[ComplaintMessage]
    # The last message of the viewer's side that the other side has read (its pk), or None.
    read_up_to: int | None = None
    household_user_ids: set[int] = field(default_factory=set)


def household_members(complaint: Complaint) -> set[int]:
    """Everyone of the filing household (head and members, whatever their state now): whose
    reads are the household's."""
    return set(
        Residency.objects.filter(
            Q(pk=complaint.household_id) | Q(head_id=complaint.household_id)
        ).values_list("user_id", flat=True)
    )


def thread_for(complaint: Complaint, *, staff: bool) -> Thread:
    """The messages oldest first, with authors and photos; internal notes for staff only. A
    bounded number of queries whatever the length of the thread."""
    messages = (
        ComplaintMessage.objects.filter(complaint=complaint)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    if not staff:
        messages = messages.filter(internal=False)
    messages = list(messages)
    household = household_members(complaint)
    reads = ComplaintRead.objects.filter(complaint=complaint).values_list("user_id", "read_at")
    # The viewer's side, and when the other side last read.
    other_read = max((at for user_id, at in reads if (user_id in household) == staff), default=None)
    read_up_to = None
    if other_read is not None:
        for message in messages:
            if message.internal or message.from_staff != staff:
                continue
            if message.created_at <= other_read:
                read_up_to = message.pk
    return Thread(messages=messages, read_up_to=read_up_to, household_user_ids=household)


def unread_counts(user: User, complaint_ids, *, staff: bool = False) -> dict[int, int]:
    """{complaint id: messages the user has not read yet} in one query: the others' messages
    written after the user's read marker (internal notes count for staff only). Complaints
    without any unread message are left out."""
    ids = list(complaint_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return {}
    read_at = ComplaintRead.objects.filter(complaint=OuterRef("complaint_id"), user=user).values(
        "read_at"
    )[:1]
    messages = ComplaintMessage.objects.filter(complaint_id__in=ids).exclude(author=user)
    if not staff:
        messages = messages.filter(internal=False)
    rows = (
        messages.annotate(marker=Coalesce(Subquery(read_at), Value(EPOCH)))
        .filter(created_at__gt=F("marker"))
        .order_by()
        .values("complaint_id")
        .annotate(count=Count("pk"))
        .values_list("complaint_id", "count")
    )
    return dict(rows)


def merge_candidates(survivor: Complaint, query: str = "") -> QuerySet[Complaint]:
    """The community's other open complaints that may be merged into `survivor`: the same
    category first, then the newest; filed in the last 30 days unless searched for by number
    or text."""
    candidates = (
        Complaint.objects.filter(community_id=survivor.community_id, status__in=MERGEABLE)
        .exclude(pk=survivor.pk)
        .select_related("category", "room__building", "room__unit")
    )
    query = (query or "").strip()
    if query:
        candidates = candidates.filter(
            Q(number__icontains=query) | Q(details__icontains=query) | Q(place__icontains=query)
        )
    else:
        since = timezone.now() - dt.timedelta(days=MERGE_WINDOW_DAYS)
        candidates = candidates.filter(created_at__gte=since)
    return candidates.annotate(
        same_category=Case(
            When(category_id=survivor.category_id, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by("-same_category", "-created_at", "-pk")[:MERGE_CANDIDATES]


def merged_into(survivor: Complaint) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(merged_into=survivor)
        .select_related("category", "room__building", "room__unit", "reporter")
        .order_by("created_at", "pk")
    )


# The states a duplicate may be merged from (workflow.TRANSITIONS to MERGED).
MERGEABLE = (
    Complaint.Status.SUBMITTED,
    Complaint.Status.ACCEPTED,
    Complaint.Status.IN_PROGRESS,
    Complaint.Status.RETURNED,
)
