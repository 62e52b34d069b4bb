"""The filing part's demo data: 张伟's household (13900000001) has complaints in several states —
just filed with a photo, being handled, replied and waiting for his answer, closed and rated —
and a few other households have theirs (one logged by the desk from a phone call, one about a
neighbour). Rows and timeline lines are written directly: the moves of the other parts are not
this part's to call. Times are relative to now, so the demo reads the same on every date."""

import datetime as dt
import io
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Community, Residency, User

from ..models import Complaint, ComplaintAttachment, ComplaintCategory, ComplaintEvent, Department

FEATURED_MOBILE = "13900000001"  # 张伟
DESK_MOBILE = "13800001002"  # 林小雅, 客服 of 翠湖花园
Status = Complaint.Status
Kind = ComplaintEvent.Kind
STATUS_AFTER = {
    Kind.FILED: Status.SUBMITTED, Kind.LOGGED: Status.SUBMITTED, Kind.ACCEPTED: Status.ACCEPTED,
    Kind.ROUTED: Status.IN_PROGRESS, Kind.REPLIED: Status.REPLIED, Kind.CLOSED: Status.CLOSED,
    Kind.RATED: Status.CLOSED, Kind.WITHDRAWN: Status.WITHDRAWN,
}  # fmt: skip


def _jpeg(size: tuple[int, int], colour: str) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    for n in range(6):  # a few bags by the door
        x = width // 8 + n * width // 9
        draw.ellipse((x, height // 2, x + width // 10, height // 2 + height // 4), fill="#3c3c3c")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _photo(complaint: Complaint, user: User) -> None:
    attachment = ComplaintAttachment(
        complaint=complaint, kind=ComplaintAttachment.Kind.IMAGE, content_type="image/jpeg",
        original_name="楼道垃圾.jpg", uploaded_by=user, size=0,
    )  # fmt: skip
    data = _jpeg((960, 720), "#c9c2b0")
    attachment.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    attachment.thumbnail.save(
        f"{uuid.uuid4().hex}.jpg", ContentFile(_jpeg((320, 240), "#c9c2b0")), save=False
    )
    attachment.size = len(data)
    attachment.save()


def _complaint(household: Residency, category: ComplaintCategory, *, hours_ago: float,
               status: str, details: str, wanted: str = "", steps=(), **fields) -> Complaint:  # fmt: skip
    created = timezone.now() - dt.timedelta(hours=hours_ago)
    user = household.user
    complaint = Complaint.objects.create(
        community=category.community, household=household, reporter=fields.pop("reporter", user),
        category=category, room=fields.pop("room", household.room), details=details,
        wanted_outcome=wanted, contact_name=user.get_full_name(), contact_phone=user.mobile,
        status=status, department=fields.pop("department", category.department),
        handler=category.handler,
        created_at=created,
        accept_due_at=created + dt.timedelta(hours=category.accept_within_hours),
        reply_due_at=created + dt.timedelta(hours=category.reply_within_hours),
        **fields,
    )  # fmt: skip
    for kind, after_hours, actor, note in steps:
        ComplaintEvent.objects.create(
            complaint=complaint, kind=kind, status=STATUS_AFTER[kind], actor=actor, note=note,
            created_at=created + dt.timedelta(hours=after_hours),
        )  # fmt: skip
    return complaint


def seed(community: Community) -> None:  # complexity: one demo story, told in order
    if Complaint.objects.filter(community=community).exists():
        return
    resident = User.objects.filter(mobile=FEATURED_MOBILE).first()
    desk = User.objects.filter(mobile=DESK_MOBILE).first()
    home = (
        Residency.objects.filter(
            user=resident, room__building__community=community, status=Residency.Status.VERIFIED
        )
        .select_related("room__building", "user", "head__user", "head__room")
        .first()
        if resident
        else None
    )
    if home is None:
        return
    household = home.head or home
    categories = {c.name: c for c in ComplaintCategory.objects.filter(community=community)}
    departments = {d.name: d for d in Department.objects.filter(community=community)}
    if not categories:
        return
    now = timezone.now()

    def cat(name: str) -> ComplaintCategory:
        return categories.get(name) or next(iter(categories.values()))

    # 1. Just filed, with a photo.
    filed = _complaint(
        household, cat("环境卫生"), hours_ago=2, status=Status.SUBMITTED,
        details="3栋2单元楼道的垃圾已经三天没人清运，气味很大，还招来了苍蝇。",
        wanted="尽快清运，并告知以后固定的清运时间。",
        steps=[(Kind.FILED, 0, resident, "")],
    )  # fmt: skip
    _photo(filed, resident)
    # 2. Accepted and being handled by 安保.
    _complaint(
        household, cat("噪音"), hours_ago=26, status=Status.IN_PROGRESS, place="",
        details="小区中心广场每晚 9 点以后还有广场舞音响，声音很大，孩子没法睡觉。",
        wanted="晚上 9 点以后停止使用音响。",
        accepted_at=now - dt.timedelta(hours=25), routed_at=now - dt.timedelta(hours=25),
        accept_seconds=3600, department=departments.get("安保"),
        steps=[(Kind.FILED, 0, resident, ""), (Kind.ACCEPTED, 1, desk, ""),
               (Kind.ROUTED, 1, desk, "安保")],
    )  # fmt: skip
    # 3. Replied: waiting for 张伟's answer.
    reply = "已在 B2 入口加装禁停标识，安保每天 18:00–22:00 巡查占用消防通道的车辆并贴单提醒。"
    _complaint(
        household, cat("停车"), hours_ago=72, status=Status.REPLIED, room=None,
        place="地下车库 B2 入口",
        details="B2 入口的消防通道经常被私家车占用，晚上进出车库很危险。",
        wanted="清理占用车辆，加装标识。", reply=reply,
        accepted_at=now - dt.timedelta(hours=71), routed_at=now - dt.timedelta(hours=71),
        replied_at=now - dt.timedelta(hours=20), accept_seconds=3600,
        steps=[(Kind.FILED, 0, resident, ""), (Kind.ACCEPTED, 1, desk, ""),
               (Kind.ROUTED, 1, desk, "安保"), (Kind.REPLIED, 52, desk, reply)],
    )  # fmt: skip
    # 4. Closed by 张伟 and rated.
    closed_reply = "已与物业费收费员核对，多收的 120 元已在下月账单中抵扣，并向您致歉。"
    _complaint(
        household, cat("物业服务"), hours_ago=12 * 24, status=Status.CLOSED,
        details="上个月物业费账单多收了 120 元，前台说要等财务确认，一直没有回音。",
        wanted="退还多收的费用。", reply=closed_reply,
        accepted_at=now - dt.timedelta(days=12) + dt.timedelta(hours=2),
        replied_at=now - dt.timedelta(days=10), closed_at=now - dt.timedelta(days=9),
        closed_by=Complaint.ClosedBy.RESIDENT, accept_seconds=7200, close_seconds=3 * 86400,
        satisfaction=5, satisfaction_comment="处理得很及时，谢谢。",
        rated_at=now - dt.timedelta(days=9),
        steps=[(Kind.FILED, 0, resident, ""), (Kind.ACCEPTED, 2, desk, ""),
               (Kind.REPLIED, 48, desk, closed_reply), (Kind.CLOSED, 72, resident, ""),
               (Kind.RATED, 72, resident, "处理得很及时，谢谢。")],
    )  # fmt: skip

    # Other households of the community.
    others = list(
        Residency.objects.filter(
            room__building__community=community, status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .exclude(room_id=household.room_id)
        .select_related("room__building", "user")
        .order_by("room_id")[:3]
    )  # fmt: skip
    if others:
        # About a neighbour: 张伟's household never learns who (nor that it exists).
        _complaint(
            others[0], cat("邻里"), hours_ago=5, status=Status.SUBMITTED, about_neighbour=True,
            neighbour_room=household.room,
            details="楼上空调外机滴水，正好落在我家阳台上，晾的衣服都湿了。",
            wanted="请物业上门协调加装接水管。",
            steps=[(Kind.FILED, 0, others[0].user, "")],
        )  # fmt: skip
    if len(others) > 1 and desk is not None:
        _complaint(
            others[1], cat("安全"), hours_ago=8, status=Status.ACCEPTED, room=None,
            place="东门", channel=Complaint.Channel.PHONE, logged_by=desk,
            details="电话反映：东门门禁坏了两天，陌生人随意进出。", wanted="尽快修好门禁。",
            accepted_at=now - dt.timedelta(hours=7), accept_seconds=3600,
            steps=[(Kind.LOGGED, 0, desk, "物业客服已为您代为登记（电话）。"),
                   (Kind.ACCEPTED, 1, desk, "")],
        )  # fmt: skip
    if len(others) > 2:
        _complaint(
            others[2], cat("其他"), hours_ago=40, status=Status.WITHDRAWN,
            details="快递柜经常满，包裹只能放在门口。",
            steps=[(Kind.FILED, 0, others[2].user, ""),
                   (Kind.WITHDRAWN, 20, others[2].user, "已经找到其他取件方式了")],
        )  # fmt: skip
