"""What the complaint desk reads: the queue with its overdue flags, the people a complaint may
be passed to, one complaint with everything its page shows, and what the service-level check
escalates."""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from accounts.models import Community
from kit import service_levels
from staff.models import StaffAssignment, StaffMember

from ..models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEscalation,
    ComplaintEvent,
    Department,
)

Status = Complaint.Status
Level = ComplaintEscalation.Level
# A complaint past the time it should have been replied to while staff still owe an answer.
REPLY_OWED = Complaint.OPEN_STATUSES


def overdue_annotation(now: dt.datetime) -> Case:
    """1 when the complaint is past its service level: not accepted in time while submitted, or
    not replied to in time while open."""
    return Case(
        When(status=Status.SUBMITTED, accept_due_at__lt=now, then=Value(1)),
        When(status__in=REPLY_OWED, reply_due_at__lt=now, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def open_first() -> Case:
    return Case(
        When(status__in=Complaint.OPEN_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def queue_complaints(community: Community, now: dt.datetime) -> QuerySet[Complaint]:
    """The community's complaints with `is_overdue`, and what each row of the queue shows."""
    return (
        Complaint.objects.filter(community=community)
        .select_related("category", "department", "handler__user", "room__building", "room__unit")
        .annotate(is_overdue=overdue_annotation(now))
        .order_by("-created_at", "-pk")
    )


def status_counts(community: Community, now: dt.datetime) -> dict[str, int]:
    """The numbers on top of the queue, in one query."""
    counted = {
        status: Count("pk", filter=Q(status=status))
        for status in (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED,
                       Status.REPLIED)
    }  # fmt: skip
    overdue = Q(status=Status.SUBMITTED, accept_due_at__lt=now) | Q(
        status__in=REPLY_OWED, reply_due_at__lt=now
    )
    # Only the counted statuses: the index on (community, status) skips the closed years.
    return Complaint.objects.filter(community=community, status__in=list(counted)).aggregate(
        **counted, overdue=Count("pk", filter=overdue)
    )


# --- People and departments ----------------------------------------------------------------------


def departments_of(community: Community) -> QuerySet[Department]:
    return Department.objects.filter(community=community, is_active=True).order_by(
        "sort_order", "pk"
    )


def handlers_for(
    community: Community, department: Department | None = None
) -> QuerySet[StaffMember]:
    """The active staff of `community` whose position there handles complaints: whom a
    complaint may be passed to. With `department`, its members first (`in_department`)."""
    holding = StaffAssignment.objects.filter(
        community=community,
        position__permissions__content_type__app_label="complaints",
        position__permissions__codename="handle_complaint",
    ).values("member_id")
    members = StaffMember.objects.filter(pk__in=holding, is_active=True, user__is_active=True)
    if department is None:
        in_department = Value(False, output_field=BooleanField())
    else:
        in_department = Exists(
            Department.members.through.objects.filter(
                department_id=department.pk, staffmember_id=OuterRef("pk")
            )
        )
    return (
        members.select_related("user")
        .annotate(in_department=in_department)
        .order_by("-in_department", "user__display_name", "pk")
    )


def handlers_in_queue(community: Community) -> QuerySet[StaffMember]:
    """For the queue's filter: who may handle complaints here, and anyone who has had one here
    (someone who moved on must still be findable)."""
    had_one = (
        Complaint.objects.filter(community=community, handler__isnull=False)
        .order_by()
        .values("handler_id")
        .distinct()
    )
    return (
        StaffMember.objects.filter(
            Q(pk__in=handlers_for(community).order_by().values("pk")) | Q(pk__in=had_one)
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


def department_member_user_ids(department: Department) -> list[int]:
    return list(
        department.members.filter(is_active=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


# --- One complaint -------------------------------------------------------------------------------


def complaint_for_page(community: Community) -> QuerySet[Complaint]:
    return Complaint.objects.filter(community=community).select_related(
        "community", "category__department", "category__handler__user", "department",
        "handler__user", "room__building", "room__unit", "neighbour_room__building",
        "neighbour_room__unit", "reporter", "logged_by", "merged_into",
    )  # fmt: skip


def filed_photos(complaint: Complaint) -> list[ComplaintAttachment]:
    """The photos and videos filed with the complaint (not those of its conversation)."""
    return list(complaint.attachments.filter(message__isnull=True).order_by("pk"))


def timeline(complaint: Complaint) -> list[ComplaintEvent]:
    """Every line of the timeline, internal ones included: for staff only."""
    return list(complaint.events.select_related("actor").order_by("created_at", "pk"))


def overdue_flags(complaint: Complaint, now: dt.datetime) -> dict[str, bool]:
    return {
        "accept": complaint.status == Status.SUBMITTED and complaint.accept_due_at < now,
        "reply": complaint.status in REPLY_OWED and complaint.reply_due_at < now,
    }


# --- Service levels ------------------------------------------------------------------------------


def overdue_without_escalation(now: dt.datetime) -> dict[str, list[Complaint]]:
    """Complaints past a service level that have not been escalated at that level yet."""
    related = ("community", "category", "department", "handler__user", "room__building")
    return service_levels.overdue_without_escalation(
        {
            Level.ACCEPT: Complaint.objects.filter(
                status=Status.SUBMITTED, accept_due_at__lt=now
            ).select_related(*related),
            Level.REPLY: Complaint.objects.filter(
                status__in=REPLY_OWED, reply_due_at__lt=now
            ).select_related(*related),
        },
        ComplaintEscalation.objects.all(),
        "complaint",
    )
