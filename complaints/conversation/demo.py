"""The conversation part's demo data: on the demo resident's first open complaint (the filing
part seeds the complaints), a short exchange with the front desk and an internal note, once."""

import datetime as dt

from django.utils import timezone

from accounts.models import Community, Residency
from staff.selectors import staff_with_permission

from ..models import Complaint, ComplaintMessage, ComplaintRead
from ..setup import HANDLE

DEMO_MOBILE = "13900000001"


def seed(community: Community) -> None:
    residency = Residency.objects.filter(
        user__mobile__endswith=DEMO_MOBILE, room__building__community=community, head__isnull=True
    ).first()
    if residency is None:
        return
    complaint = (
        Complaint.objects.filter(household=residency, status__in=Complaint.OPEN_STATUSES)
        .order_by("created_at", "pk")
        .first()
    )
    staff = staff_with_permission(community, HANDLE).order_by("pk").first()
    if complaint is None or staff is None or complaint.messages.exists():
        return
    start = max(complaint.created_at, timezone.now() - dt.timedelta(hours=5))
    lines = [
        (residency.user, False, False, "今天早上又看到了，麻烦尽快处理。"),
        (staff, True, False, "您好，已转给相关部门，今天下班前给您答复。"),
        (staff, True, True, "已电话联系住户，情绪较激动，回复时注意措辞。"),
    ]
    for minutes, (author, from_staff, internal, body) in zip((20, 45, 50), lines, strict=True):
        ComplaintMessage.objects.create(
            complaint=complaint, author=author, from_staff=from_staff, internal=internal,
            body=body, created_at=start + dt.timedelta(minutes=minutes),
        )  # fmt: skip
    ComplaintRead.objects.get_or_create(
        complaint=complaint, user=staff, defaults={"read_at": start + dt.timedelta(minutes=50)}
    )
