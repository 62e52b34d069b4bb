"""Demo data of the business statistics (PSTA-2), called at the end of seed_demo: the modules'
own demos give 翠湖花园 a few weeks of repairs, complaints and one activity, and 金桂苑 only
bills. For 业务统计 to show a year of trends and two communities side by side, this adds, over
the past twelve months and in both communities: two activities a month that took place (with
sign-ups and check-ins), and in 金桂苑 repairs (most completed and rated); complaints (most
closed, most of those rated) and suggestions in both. Rows only (the history happened; nobody
is notified), every one marked, and nothing again once they are there."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Community, Residency
from complaints.models import Complaint, Suggestion
from repairs import rollup
from repairs.models import RepairOrder, RepairRating
from services.models import Activity, ActivityParticipant, ActivitySignup

MARK = "（历史数据）"
MONTHS = 12
ACTIVITIES = ["邻里读书会", "亲子手工课", "广场舞联欢", "义诊进社区", "垃圾分类讲座", "周末电影夜",
              "老年人智能手机课", "社区跳蚤市场"]  # fmt: skip
REPAIRS = ["厨房水龙头漏水", "卫生间下水道堵塞", "客厅灯不亮", "门锁坏了", "空调外机噪音大"]
SUGGESTIONS = [
    "增设电动车充电桩",
    "小区门口加装减速带",
    "儿童游乐区增加遮阳棚",
    "快递柜延长开放时间",
]


def seed_business(communities: list[Community] | None = None) -> int:
    """The year of history; returns the rows written (0 when seeded before)."""
    communities = communities or list(Community.objects.order_by("pk")[:2])
    if not communities or Activity.objects.filter(description__endswith=MARK).exists():
        return 0
    written = 0
    with transaction.atomic():
        for index, community in enumerate(communities):
            rng = random.Random(f"business-{community.name}")
            households = list(
                Residency.objects.filter(
                    room__building__community=community,
                    status=Residency.Status.VERIFIED,
                    head__isnull=True,
                ).select_related("user", "room")[:400]
            )
            if not households:
                continue
            written += _activities(community, households, rng)
            if index > 0 or not RepairOrder.objects.filter(community=community).exists():
                written += _repairs(community, households, rng)
            written += _complaints(community, households, rng)
    return written


def _moments(rng: random.Random, per_month: int) -> list[dt.datetime]:
    """`per_month` moments in each of the past MONTHS months (none in the last two days)."""
    now = timezone.now()
    moments = []
    for back in range(MONTHS):
        for _n in range(per_month):
            days = back * 30 + rng.uniform(2, 30)
            moments.append(now - dt.timedelta(days=days, hours=rng.randint(0, 8)))
    return sorted(moments)


def _activities(community, households, rng) -> int:
    creator = households[0].user
    made = []
    for n, starts in enumerate(_moments(rng, 2)):
        starts = starts.replace(hour=7, minute=0, second=0, microsecond=0)  # 15:00 in Shanghai
        made.append(
            Activity(
                community=community, title=ACTIVITIES[n % len(ACTIVITIES)],
                description=f"欢迎邻里参加。{MARK}", place="社区活动中心", starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                signup_opens_at=starts - dt.timedelta(days=10),
                signup_closes_at=starts - dt.timedelta(hours=2), capacity=60,
                status=Activity.Status.PUBLISHED, published_at=starts - dt.timedelta(days=10),
                created_by=creator,
            )
        )  # fmt: skip
    made = Activity.objects.bulk_create(made)
    signups = []
    for activity in made:
        for household in rng.sample(households, min(rng.randint(8, 25), len(households))):
            signups.append(
                ActivitySignup(
                    activity=activity, household=household, user=household.user,
                    status=ActivitySignup.Status.CONFIRMED, people=rng.choice([1, 1, 2, 3]),
                    created_at=activity.starts_at - dt.timedelta(days=rng.randint(1, 9)),
                )
            )  # fmt: skip
    signups = ActivitySignup.objects.bulk_create(signups)
    people = []
    for signup in signups:
        for person in range(signup.people):
            came = rng.random() < 0.8
            people.append(
                ActivityParticipant(
                    signup=signup, name=signup.user.display_name if not person else "家人",
                    user=signup.user if not person else None,
                    checked_in_at=signup.activity.starts_at if came else None,
                    checkin_method=ActivityParticipant.CheckinMethod.CODE if came else "",
                )
            )  # fmt: skip
    ActivityParticipant.objects.bulk_create(people)
    for activity in made:
        taken = sum(s.people for s in signups if s.activity_id == activity.pk)
        Activity.objects.filter(pk=activity.pk).update(places_taken=taken)
    return len(made) + len(signups) + len(people)


def _repairs(community, households, rng) -> int:
    categories = list(community.repair_categories.filter(is_active=True))
    if not categories:
        return 0
    orders, ratings = [], []
    for n, created in enumerate(_moments(rng, 10)):
        household = households[rng.randrange(len(households))]
        category = categories[rng.randrange(len(categories))]
        order = RepairOrder(
            number=f"BX{timezone.localtime(created):%y%m%d}{community.pk:02d}{n:05d}",
            community=community, household=household, room=household.room,
            category=category, description=REPAIRS[n % len(REPAIRS)] + MARK,
            reporter=household.user, contact_name=household.user.display_name,
            contact_phone=household.user.mobile or "13900000000",
            appointment_start=created + dt.timedelta(days=1),
            appointment_end=created + dt.timedelta(days=1, hours=3), created_at=created,
            accept_due_at=created + dt.timedelta(minutes=category.accept_within_minutes),
            finish_due_at=created + dt.timedelta(hours=category.finish_within_hours),
            status=RepairOrder.Status.COMPLETED,
        )  # fmt: skip
        response = rng.randint(300, 5400)
        finish = rng.randint(3600, 3 * 86400)
        order.accepted_at = created + dt.timedelta(seconds=response)
        order.technician_accepted_at = order.accepted_at
        order.started_at = order.accepted_at
        order.completed_at = created + dt.timedelta(seconds=finish)
        order.technician_response_seconds = response
        order.technician_finish_seconds = finish
        order.finished_on_time = order.completed_at <= order.finish_due_at
        order.result_note = "已修复"
        orders.append(order)
    orders = RepairOrder.objects.bulk_create(orders)
    for order in orders:
        if rng.random() < 0.7:
            ratings.append(
                RepairRating(
                    order=order, speed=rng.randint(3, 5), quality=rng.randint(3, 5),
                    attitude=rng.randint(4, 5), rated_by=order.reporter,
                    created_at=order.completed_at + dt.timedelta(hours=3),
                )
            )  # fmt: skip
    RepairRating.objects.bulk_create(ratings)
    rollup.rebuild([community.pk])  # rows written around the services
    return len(orders) + len(ratings)


def _complaints(community, households, rng) -> int:
    categories = list(community.complaint_categories.filter(is_active=True))
    if not categories:
        return 0
    complaints = []
    for n, created in enumerate(_moments(rng, 5)):
        household = households[rng.randrange(len(households))]
        category = categories[rng.randrange(len(categories))]
        closed = rng.random() < 0.9
        close = rng.randint(4 * 3600, 6 * 86400)
        accept = rng.randint(600, 4 * 3600)
        complaints.append(
            Complaint(
                number=f"TS{timezone.localtime(created):%y%m%d}{community.pk:02d}{n:05d}",
                community=community, household=household, reporter=household.user,
                room=household.room, category=category, details=f"楼道杂物堆放，存在安全隐患。{MARK}",
                contact_name=household.user.display_name,
                contact_phone=household.user.mobile or "13900000000", created_at=created,
                accept_due_at=created + dt.timedelta(hours=category.accept_within_hours),
                reply_due_at=created + dt.timedelta(hours=category.reply_within_hours),
                status=Complaint.Status.CLOSED if closed else Complaint.Status.REPLIED,
                accepted_at=created + dt.timedelta(seconds=accept), accept_seconds=accept,
                replied_at=created + dt.timedelta(seconds=accept + 3600), reply="已处理，谢谢反馈。",
                closed_at=created + dt.timedelta(seconds=close) if closed else None,
                close_seconds=close if closed else None,
                closed_by="resident" if closed else "",
                satisfaction=rng.choice([5, 5, 4, 4, 4, 3, 2]) if closed else None,
            )
        )  # fmt: skip
    Complaint.objects.bulk_create(complaints)
    suggestions = []
    for n, created in enumerate(_moments(rng, 1)):
        household = households[rng.randrange(len(households))]
        status = rng.choice(["adopted", "completed", "declined", "evaluating", "in_progress"])
        suggestions.append(
            Suggestion(
                number=f"JY{timezone.localtime(created):%y%m%d}{community.pk:02d}{n:04d}",
                community=community, household=household, proposer=household.user,
                title=SUGGESTIONS[n % len(SUGGESTIONS)], body=f"建议物业考虑。{MARK}",
                status=status, created_at=created,
                decided_at=None if status == "evaluating" else created + dt.timedelta(days=5),
            )
        )  # fmt: skip
    Suggestion.objects.bulk_create(suggestions)
    return len(complaints) + len(suggestions)
