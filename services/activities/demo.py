"""Demo data of the activities part, called from services.demo.seed_services: in the first
community, one activity open with places, one full with a waiting list, one finished with its
sign-ups and one draft, each with a poster drawn by PIL. Dates are relative to now, so the
promises hold on every day. Idempotent: nothing is written when the open activity exists."""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Community, Residency, User
from kit.fonts import pillow_font

from ..models import Activity, ActivityParticipant, ActivitySignup
from .services import poster_set

OPEN_TITLE = "周末亲子手工课：做一盏中秋灯笼"
FULL_TITLE = "社区义诊：三甲医院专家进小区"
PAST_TITLE = "邻里趣味运动会"
DRAFT_TITLE = "垃圾分类知识讲座"
FEATURED_MOBILE = "13900000001"  # 张伟: left free to sign up for the open activity
STAFF_MOBILE = "13800001001"


def seed(community: Community) -> None:
    if Activity.objects.filter(community=community, title=OPEN_TITLE).exists():
        return
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .exclude(user__mobile=FEATURED_MOBILE)
        .select_related("user")
        .order_by("pk")[:20]
    )
    author = User.objects.filter(mobile=STAFF_MOBILE).first()
    with transaction.atomic():
        open_one = _activity(
            community, author, OPEN_TITLE, "#f08c2e", _at(5, 14, 30), capacity=30, limit=3,
            description="带上孩子，一起用彩纸和竹条做一盏属于自己的灯笼。材料由物业准备，"
            "每户最多 3 人（含孩子）。",
            place="社区活动中心二楼多功能厅",
            fields=[{"label": "孩子年龄", "required": True}],
        )  # fmt: skip
        full_one = _activity(
            community, author, FULL_TITLE, "#2e8bf0", _at(3, 9), capacity=6, limit=2,
            description="血压血糖测量、慢病咨询、用药指导。名额有限，满员后可排队候补，"
            "有人取消时按顺序通知。",
            place="中心花园东侧凉亭",
        )  # fmt: skip
        past_one = _activity(
            community, author, PAST_TITLE, "#3aa55d", _at(-10, 9), capacity=40, limit=4,
            description="拔河、跳绳、两人三足，老少皆宜。",
            place="小区篮球场",
        )  # fmt: skip
        _activity(
            community, author, DRAFT_TITLE, "#7a5af0", _at(14, 19), capacity=50, limit=2,
            description="（草稿）讲解家庭垃圾如何分类投放。", place="社区活动中心一楼",
            status=Activity.Status.DRAFT,
        )  # fmt: skip
        _signups(open_one, households[:5], [2, 3, 1, 2, 2])
        _signups(full_one, households[5:10], [2, 2, 2, 1, 2], holding=3)
        _signups(past_one, households[10:20], [3, 2, 2, 1, 4, 2, 3, 2, 1, 2])


def _at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time of day people hold activities at (not the moment the demo ran), `days` away."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _activity(
    community: Community, author, title: str, colour: str, starts: dt.datetime, *,
    capacity: int, limit: int, description: str, place: str, fields=None,
    status: str = Activity.Status.PUBLISHED,
) -> Activity:  # fmt: skip
    activity = Activity(
        community=community,
        title=title,
        description=description,
        place=place,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        signup_opens_at=min(starts, timezone.now()) - dt.timedelta(days=7),
        signup_closes_at=starts - dt.timedelta(hours=2),
        capacity=capacity,
        per_household_limit=limit,
        fields=fields or [],
        status=status,
        created_by=author,
        published_at=timezone.now() if status == Activity.Status.PUBLISHED else None,
    )
    poster_set(activity, ContentFile(_poster(title, colour)))
    activity.save()
    return activity


def _signups(
    activity: Activity, households: list[Residency], people: list[int], holding: int | None = None
) -> None:
    """Sign-ups as rows (the services stamp "now" and check the window): the first `holding`
    hold places, the rest wait, in order."""
    taken = 0
    for index, (household, count) in enumerate(zip(households, people, strict=False)):
        holds = holding is None or index < holding
        signup = ActivitySignup.objects.create(
            activity=activity,
            household=household,
            user=household.user,
            status=ActivitySignup.Status.CONFIRMED if holds else ActivitySignup.Status.WAITLISTED,
            people=count,
            answers={"0": f"{5 + index % 6}岁"} if activity.fields else {},
            created_at=min(activity.signup_closes_at, timezone.now())
            - dt.timedelta(hours=len(households) - index),
        )
        names = [household.user.get_full_name()] + [
            f"{household.user.get_full_name()[:1]}家{n}" for n in range(2, count + 1)
        ]
        ActivityParticipant.objects.bulk_create(
            [
                ActivityParticipant(
                    signup=signup, name=name, user=household.user if n == 0 else None
                )
                for n, name in enumerate(names)
            ]
        )
        if holds:
            taken += count
    Activity.objects.filter(pk=activity.pk).update(places_taken=taken)


def _poster(title: str, colour: str) -> bytes:
    image = Image.new("RGB", (1200, 675), colour)
    draw = ImageDraw.Draw(image)
    for band in range(0, 675, 45):
        draw.rectangle([0, band, 1200, band + 20], fill=_lighter(colour, band / 675 * 0.3))
    draw.ellipse([820, -120, 1320, 380], fill=_lighter(colour, 0.35))
    draw.ellipse([-160, 420, 260, 840], fill=_lighter(colour, 0.25))
    font = _font(64)
    draw.text((80, 260), title[:14], font=font, fill="white")
    if len(title) > 14:
        draw.text((80, 350), title[14:28], font=font, fill="white")
    draw.text((80, 560), "邻里 · 社区活动", font=_font(36), fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _lighter(colour: str, amount: float) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(c + (255 - c) * amount) for c in (r, g, b))  # type: ignore[return-value]


def _font(size: int):
    return pillow_font(size)
