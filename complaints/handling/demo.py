"""The handling part's demo data: a few complaints of other households of the demo community,
taken on by the desk through this part's services: one accepted, two being handled by a
department (one of them by a person), and one left unaccepted past its time, escalated to the
manager. (The filing part seeds 张伟's own complaints; these are his neighbours'.)

Idempotent: nothing is written when these complaints exist already."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Community, Residency, User
from staff.models import StaffMember

from ..models import Complaint, ComplaintCategory, ComplaintEvent, Department
from . import services

FEATURED_MOBILE = "13900000001"  # 张伟: the filing part seeds his
DESK_MOBILE = "13800001002"  # 林小雅, 客服 of 翠湖花园

# category, what happened, outcome wanted, hours ago, what the desk does
DEMO = [
    (
        "噪音",
        "楼上每天晚上十一点以后还在装修电钻，孩子没法睡觉。",
        "请物业提醒按规定时间施工。",
        5,
        "accept",
    ),
    (
        "环境卫生",
        "5栋门口垃圾桶满了两天没人清运，夏天气味很大。",
        "尽快清运，并告知清运时间。",
        20,
        "route_department",
    ),
    (
        "物业服务",
        "上个月物业费收据开错了抬头，前台说要等财务，一直没消息。",
        "重新开具正确的收据。",
        30,
        "route_person",
    ),
    ("安全", "北门门禁坏了，陌生人可以随便进出小区。", "尽快修好门禁，加强巡逻。", 3, "overdue"),
]


def seed(community: Community) -> None:
    if Complaint.objects.filter(community=community, details=DEMO[0][1]).exists():
        return
    desk = User.objects.filter(mobile=DESK_MOBILE).first()
    desk_member = StaffMember.objects.filter(user=desk).first() if desk else None
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .exclude(user__mobile=FEATURED_MOBILE)
        .select_related("user", "room")
        .order_by("room__building__sort_order", "room_id")[: len(DEMO)]
    )
    if desk_member is None or len(households) < len(DEMO):
        return
    with transaction.atomic():
        _seed(community, desk, desk_member, households)
    services.escalate_overdue()


def _seed(community, desk: User, desk_member: StaffMember, households) -> None:
    service_desk = Department.objects.filter(community=community, name="客服").first()
    if service_desk is not None:
        service_desk.members.add(desk_member)  # the person the demo passes one to
    now = timezone.now()
    for household, (category_name, details, wanted, hours_ago, action) in zip(
        households, DEMO, strict=False
    ):
        category = ComplaintCategory.objects.get(community=community, name=category_name)
        filed = now - dt.timedelta(hours=hours_ago)
        complaint = Complaint.objects.create(
            community=community, household=household, reporter=household.user,
            category=category, room=household.room, details=details, wanted_outcome=wanted,
            contact_name=household.user.get_full_name(), contact_phone=household.user.mobile,
            created_at=filed,
            accept_due_at=filed + dt.timedelta(hours=category.accept_within_hours),
            reply_due_at=filed + dt.timedelta(hours=category.reply_within_hours),
        )  # fmt: skip
        ComplaintEvent.objects.create(
            complaint=complaint, kind=ComplaintEvent.Kind.FILED, status=complaint.status,
            actor=household.user, created_at=filed,
        )  # fmt: skip
        if action == "accept":
            services.complaint_accept(complaint=complaint, actor=desk)
        elif action == "route_department":
            services.complaint_route(
                complaint=complaint, actor=desk, department=category.department,
                note="请今天之内清运。",
            )  # fmt: skip
        elif action == "route_person":
            services.complaint_route(
                complaint=complaint, actor=desk, department=service_desk, handler=desk_member
            )
