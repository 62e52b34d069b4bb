"""Demo repairs for `seed_demo`: three months of history in the first community (orders in
every state, over categories, rooms and the demo technicians, with ratings — some low — and a
few overdue open orders), and the featured resident 张伟's own orders made through
`repairs.services`: one completed and not yet rated, one being repaired by 吴国强 who shares
his position, and one waiting with a photo.

History is written as rows (bulk, with their timeline), since the services stamp everything
"now". Idempotent: nothing is written when 张伟's demo orders exist already."""

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Community, Residency, User
from kit import uploads

from . import rollup, selectors, services
from .models import (
    RepairAttachment,
    RepairCategory,
    RepairEvent,
    RepairOrder,
    RepairRating,
    new_order_number,
)

Status = RepairOrder.Status
Kind = RepairEvent.Kind

FEATURED_MOBILE = "13900000001"  # 张伟
DESK_MOBILE = "13800001002"  # 林小雅, 客服 of 翠湖花园
SHARING_TECHNICIAN_MOBILE = "13800001005"  # 吴国强, 维修工 of 翠湖花园
HISTORY_DAYS = 90
HISTORY_ORDERS = 38

FEATURED_DONE = "厨房水槽下水管漏水，柜子里都是水。"
FEATURED_REPAIRING = "客厅插座跳闸，一插电器就断电。"
FEATURED_WAITING = "卫生间墙面渗水，瓷砖有水渍（见照片）。"

DESCRIPTIONS = {
    "水电故障": ["卫生间水龙头一直滴水", "厨房插座不通电", "热水器打不着火，怀疑线路问题"],
    "门窗损坏": ["入户门锁芯卡死，钥匙拧不动", "阳台推拉窗关不严，漏风", "卧室门合页松了"],
    "电梯问题": ["2号电梯按钮失灵", "电梯运行有异响", "电梯门关不上"],
    "公共设施": ["楼下路灯不亮", "单元门禁刷卡没反应", "儿童乐园滑梯有裂缝"],
    "管道疏通": ["厨房下水道堵塞", "马桶冲水不畅", "阳台地漏反味"],
    "燃气暖气": ["暖气片不热", "燃气表附近有异味"],
    "其他": ["楼道墙皮脱落", "信报箱门坏了"],
}
PUBLIC_AREAS = ["3栋门口", "地下车库B区", "中心花园", "1栋电梯厅", "北门岗亭旁"]
RESULTS = [
    "已更换配件，试用正常。",
    "已疏通，排水顺畅。",
    "已紧固并调试，恢复正常。",
    "已更换损坏部件，业主确认。",
]
GOOD_COMMENTS = ["师傅很专业，准时上门", "修得很快，态度很好", "", "", "干活利索，还帮忙清理了现场"]
LOW_COMMENTS = [
    "等了两天才来，修完第二天又漏了",
    "师傅态度不太好，地上弄得很脏",
    "约好上午结果下午才到",
]


def seed_repairs(community: Community) -> int:
    """Demo repairs in `community` (the first one, where 张伟 lives). Returns the number of
    orders written (0 when seeded before)."""
    resident = User.objects.filter(mobile=FEATURED_MOBILE).first()
    if (
        resident is None
        or RepairOrder.objects.filter(reporter=resident, description=FEATURED_WAITING).exists()
    ):
        return 0
    home = (
        Residency.objects.filter(
            user=resident,
            room__building__community=community,
            status=Residency.Status.VERIFIED,
        )
        .select_related("room__building__community")
        .first()
    )
    technicians = list(selectors.technicians_of(community))
    desk = User.objects.filter(mobile=DESK_MOBILE).first()
    if home is None or not technicians or desk is None:
        return 0
    services.ensure_defaults(community)
    with transaction.atomic():
        count = _history(community, technicians, desk, exclude_room=home.room_id)
        count += _featured(community, home, technicians, desk)
        # History rows are written around the services: their days' figures are rolled up here.
        rollup.rebuild([community.pk])
    services.escalate_overdue()
    return count


# --- History --------------------------------------------------------------------------------------


def _history(community: Community, technicians, desk: User, exclude_room: int) -> int:
    rng = random.Random(f"repairs-{community.name}")
    now = timezone.now()
    categories = list(community.repair_categories.filter(is_active=True).order_by("sort_order"))
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            relation=Residency.Relation.OWNER,
            head__isnull=True,
        )
        .exclude(room_id=exclude_room)
        .select_related("user", "room")
        .order_by("pk")[:200]
    )
    if not households or not categories:
        return 0
    households = rng.sample(households, min(24, len(households)))
    # Most orders are done; the newest few are still open, some of them overdue.
    plan = [Status.PENDING] * 2 + [
        Status.ACCEPTED, Status.ASSIGNED, Status.ASSIGNED, Status.IN_PROGRESS,
    ]  # fmt: skip
    plan += [Status.COMPLETED] * (HISTORY_ORDERS - len(plan))
    for index in (9, 19, 29):
        plan[index] = Status.CANCELLED
    orders, steps = [], []
    for index in range(HISTORY_ORDERS):
        household = households[index % len(households)]
        category = categories[rng.randrange(len(categories))]
        status = plan[index]
        if index < 6:
            # Open orders: reported in the last days (the first two and the fifth are late).
            created = now - dt.timedelta(hours=(0.1, 30, 5, 26, 52, 40)[index] + rng.random())
        else:
            created = _working_hours(rng, now - dt.timedelta(days=rng.uniform(1.5, HISTORY_DAYS)))
        public = category.name == "公共设施" or rng.random() < 0.08
        order, order_steps = _order_row(
            rng, community, household, category, status, created, technicians, desk, public
        )
        orders.append(order)
        steps.append(order_steps)
    # Two repeat repairs: the same room and fault reported again within 30 days.
    earlier = [
        order
        for order in orders
        if order.status == Status.COMPLETED
        and order.room_id
        and order.completed_at < now - dt.timedelta(days=30)
    ]
    for first, again_days in zip(earlier[:2], (12, 20), strict=False):
        household = next(h for h in households if h.pk == first.household_id)
        created = first.completed_at + dt.timedelta(days=again_days)
        order, order_steps = _order_row(
            rng, community, household, first.category, Status.COMPLETED, created,
            technicians, desk, public=False,
        )  # fmt: skip
        order.description = f"{first.description}，上次修过又坏了"
        orders.append(order)
        steps.append(order_steps)
    RepairOrder.objects.bulk_create(orders)
    events, ratings = [], []
    for order, order_steps in zip(orders, steps, strict=True):
        events += [
            RepairEvent(
                order=order, kind=kind, status=status, actor=actor, note=note, created_at=at
            )
            for kind, status, actor, note, at in order_steps
        ]
        if order.status == Status.COMPLETED and rng.random() < 0.75:
            ratings.append(_rating(rng, order))
            events.append(
                RepairEvent(
                    order=order,
                    kind=Kind.RATED,
                    status=Status.COMPLETED,
                    actor=order.reporter,
                    note=ratings[-1].comment,
                    created_at=ratings[-1].created_at,
                )  # fmt: skip
            )
    RepairEvent.objects.bulk_create(events)
    RepairRating.objects.bulk_create(ratings)
    return len(orders)


def _order_row(
    rng: random.Random,
    community: Community,
    household: Residency,
    category: RepairCategory,
    status: str,
    created: dt.datetime,
    technicians,
    desk: User,
    public: bool,
) -> tuple[RepairOrder, list[tuple]]:
    """An order that reached `status`, with consistent timestamps, and its timeline steps."""
    now = timezone.now()
    start_hour = rng.choice((9, 14, 18))
    appointment = timezone.localtime(created).replace(
        hour=start_hour, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=1)
    order = RepairOrder(
        number=new_order_number(created),
        community=community,
        household=household,
        room=None if public else household.room,
        public_area=rng.choice(PUBLIC_AREAS) if public else "",
        category=category,
        description=rng.choice(DESCRIPTIONS.get(category.name, DESCRIPTIONS["其他"])),
        reporter=household.user,
        contact_name=household.user.get_full_name(),
        contact_phone=household.user.mobile,
        appointment_start=appointment,
        appointment_end=appointment + dt.timedelta(hours=3 if start_hour < 18 else 2),
        created_at=created,
        accept_due_at=created + dt.timedelta(minutes=category.accept_within_minutes),
        finish_due_at=created + dt.timedelta(hours=category.finish_within_hours),
        status=status,
    )
    steps = [(Kind.REPORTED, Status.PENDING, household.user, "", created)]
    if status == Status.PENDING:
        return order, steps
    if status == Status.CANCELLED:
        order.cancelled_at = created + dt.timedelta(hours=rng.uniform(0.5, 6))
        order.cancel_reason = rng.choice(["已自行修好", "重复报修", "家里没人，改天再报"])
        steps.append((Kind.CANCELLED, status, household.user, order.cancel_reason,
                      order.cancelled_at))  # fmt: skip
        return order, steps
    late = rng.random() < 0.2
    accept_minutes = category.accept_within_minutes * (
        rng.uniform(1.2, 2) if late else rng.uniform(0.1, 0.8)
    )
    order.accepted_at = min(created + dt.timedelta(minutes=accept_minutes), now)
    if status == Status.ACCEPTED:
        steps.append((Kind.ACCEPTED, status, desk, "", order.accepted_at))
        return order, steps
    technician = technicians[rng.randrange(len(technicians))]
    order.technician = technician
    order.assigned_at = order.accepted_at
    steps.append((Kind.ASSIGNED, Status.ASSIGNED, desk, technician.user.get_full_name(),
                  order.assigned_at))  # fmt: skip
    if status == Status.ASSIGNED:
        return order, steps
    response = rng.randint(60, 40 * 60)
    order.technician_accepted_at = order.assigned_at + dt.timedelta(seconds=response)
    order.technician_response_seconds = response
    order.started_at = min(
        order.technician_accepted_at + dt.timedelta(minutes=rng.randint(20, 90)), now
    )
    steps.append((Kind.TECHNICIAN_ACCEPTED, Status.ASSIGNED, technician.user, "",
                  order.technician_accepted_at))  # fmt: skip
    steps.append((Kind.STARTED, Status.IN_PROGRESS, technician.user, "", order.started_at))
    if status == Status.IN_PROGRESS:
        return order, steps
    allowed = category.finish_within_hours * 3600
    finish = int(allowed * (rng.uniform(1.05, 1.6) if late else rng.uniform(0.05, 0.7)))
    order.completed_at = min(
        _working_hours(rng, order.assigned_at + dt.timedelta(seconds=finish)), now
    )
    order.technician_finish_seconds = int((order.completed_at - order.assigned_at).total_seconds())
    order.finished_on_time = order.completed_at <= order.finish_due_at
    order.result_note = rng.choice(RESULTS)
    steps.append((Kind.COMPLETED, status, technician.user, order.result_note, order.completed_at))
    return order, steps


def _working_hours(rng: random.Random, when: dt.datetime) -> dt.datetime:
    """`when`, or the next morning when it falls in the night (people sleep; so do the logs)."""
    local = timezone.localtime(when)
    if 8 <= local.hour < 21:
        return when
    next_morning = local + dt.timedelta(days=1) if local.hour >= 21 else local
    return next_morning.replace(hour=8, minute=rng.randint(0, 59), second=rng.randint(0, 59))


def _rating(rng: random.Random, order: RepairOrder) -> RepairRating:
    low = rng.random() < (0.5 if not order.finished_on_time else 0.06)
    if low:
        scores = [rng.randint(1, 3), rng.randint(2, 4), rng.randint(1, 3)]
        scores[rng.randrange(3)] = rng.randint(1, 2)
        comment = rng.choice(LOW_COMMENTS)
    else:
        scores = [rng.choice((4, 5, 5)), rng.choice((4, 5, 5)), rng.choice((3, 4, 5, 5))]
        comment = rng.choice(GOOD_COMMENTS)
    speed, quality, attitude = scores
    rated_at = min(
        _working_hours(rng, order.completed_at + dt.timedelta(hours=rng.uniform(1, 30))),
        timezone.now(),
    )
    return RepairRating(
        order=order, speed=speed, quality=quality, attitude=attitude, comment=comment,
        rated_by=order.reporter, created_at=rated_at,
    )  # fmt: skip


# --- 张伟's orders ---------------------------------------------------------------------------------


def _featured(community: Community, home: Residency, technicians, desk: User) -> int:
    resident = home.user
    sharing = next(
        (t for t in technicians if t.user.mobile == SHARING_TECHNICIAN_MOBILE), technicians[0]
    )
    categories = {c.name: c for c in community.repair_categories.filter(is_active=True)}
    fallback = next(iter(categories.values()))
    day, slot = _next_slot(community)

    def report(description: str, category: str, photos=()) -> RepairOrder:
        return services.order_create(
            reporter=resident, residency=home, category=categories.get(category, fallback),
            description=description, contact_name=resident.get_full_name(),
            contact_phone=resident.mobile, day=day, slot=slot, photos=list(photos),
        )  # fmt: skip

    # Completed two days ago by 吴国强 and not rated yet (history row with an after-photo).
    done, steps = _order_row(
        random.Random("featured"), community, home, categories.get("水电故障", fallback),
        Status.COMPLETED, timezone.now() - dt.timedelta(days=3), [sharing], desk, public=False,
    )  # fmt: skip
    done.description = FEATURED_DONE
    done.result_note = "更换了水槽下水管和密封圈，已试水无渗漏。"
    done.save()
    RepairEvent.objects.bulk_create(
        RepairEvent(order=done, kind=kind, status=status, actor=actor, note=note, created_at=at)
        for kind, status, actor, note, at in steps
    )
    _attach(done, _demo_photo("after.jpg", leak=False), RepairAttachment.Stage.RESULT, sharing.user)

    # Being repaired by 吴国强, who shares his position a few hundred metres away.
    repairing = report(FEATURED_REPAIRING, "水电故障")
    repairing = services.order_assign(order=repairing, technician=sharing, actor=desk)
    services.order_technician_accept(order=repairing, technician=sharing)
    repairing = services.order_start(order=repairing, technician=sharing, share_location=True)
    services.position_record(
        order=repairing,
        technician=sharing,
        latitude=(community.latitude or Decimal("30.2799")) + Decimal("0.0021"),
        longitude=(community.longitude or Decimal("120.1302")) - Decimal("0.0017"),
        accuracy=15,
    )

    # Waiting for the service desk, with a photo.
    report(FEATURED_WAITING, "水电故障", photos=[_demo_photo("渗水.jpg", leak=True)])
    return 3


def _next_slot(community: Community):
    """The first time slot that has not passed yet, today or tomorrow."""
    now = timezone.now()
    for day in services.bookable_days(now)[:2]:
        for slot in selectors.time_slots_for(community):
            if services.appointment_window(slot, day)[1] > now:
                return day, slot
    return services.bookable_days(now)[1], selectors.time_slots_for(community).first()


def _attach(order: RepairOrder, photo, stage: str, user: User) -> None:
    [media] = uploads.media_from_uploads([photo], [])
    attachment = RepairAttachment(
        order=order, stage=stage, kind=media.kind, content_type=media.content_type,
        original_name=media.original_name, size=media.size, uploaded_by=user,
        event=order.events.order_by("-pk").first(),
    )  # fmt: skip
    attachment.file.save(media.file.name, media.file, save=False)
    if media.thumbnail is not None:
        attachment.thumbnail.save(media.thumbnail.name, media.thumbnail, save=False)
    attachment.save()


def _demo_photo(name: str, *, leak: bool) -> SimpleUploadedFile:
    """A drawn photo of a tiled wall and a pipe (with a damp patch and drops when `leak`)."""
    image = Image.new("RGB", (960, 720), "#e9e4da")
    draw = ImageDraw.Draw(image)
    for x in range(0, 960, 120):
        draw.line([(x, 0), (x, 720)], fill="#cfc8bb", width=3)
    for y in range(0, 720, 90):
        draw.line([(0, y), (960, y)], fill="#cfc8bb", width=3)
    draw.rectangle([0, 560, 960, 720], fill="#b9b2a6")
    draw.rectangle([420, 0, 470, 430], fill="#9aa3a8")
    draw.rounded_rectangle([380, 400, 600, 460], radius=22, fill="#8a949a")
    if leak:
        draw.ellipse([250, 430, 720, 660], fill="#a8b8bf")
        for x, y in ((480, 480), (500, 530), (470, 580), (520, 610)):
            draw.ellipse([x, y, x + 18, y + 26], fill="#5b8fb0")
    else:
        draw.rectangle([425, 380, 465, 410], fill="#e0e6ea")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
