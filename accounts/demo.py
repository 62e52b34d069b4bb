"""Demo estate: one property company, two communities, rooms, households and family members.

Every step is idempotent: rows are found by their natural keys and only missing ones are
created, in bulk."""

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils import timezone

from .models import (
    Building,
    Community,
    FamilyInvitation,
    PropertyCompany,
    Residency,
    Room,
    Unit,
    User,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志强文博宇轩浩然欣怡梓涵子墨雨桐思远嘉怡俊杰晓东海燕春梅丽华建华"

COMMUNITIES = [
    {
        "name": "翠湖花园",
        "city": "杭州市",
        "district": "西湖区",
        "address": "杭州市西湖区文三路388号",
        "latitude": Decimal("30.279900"),
        "longitude": Decimal("120.130200"),
        "service_phone": "0571-88001234",
        "share": 0.55,
    },
    {
        "name": "金桂苑",
        "city": "杭州市",
        "district": "滨江区",
        "address": "杭州市滨江区江南大道1090号",
        "latitude": Decimal("30.208300"),
        "longitude": Decimal("120.211600"),
        "service_phone": "0571-88005678",
        "share": 0.45,
    },
]
FLOORS = 18
UNITS_PER_BUILDING = 2
ROOMS_PER_FLOOR = 2
AREAS = [Decimal("89.56"), Decimal("118.20"), Decimal("126.75"), Decimal("143.80")]


@dataclass
class Estate:
    company: PropertyCompany
    communities: list[Community]
    password_hash: str
    created: dict[str, int] = field(default_factory=dict)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def seed_estate(*, rooms: int, password: str, stdout=None) -> Estate:
    company, _ = PropertyCompany.objects.get_or_create(
        name="杭州邻里物业服务有限公司",
        defaults={
            "short_name": "邻里物业",
            "credit_code": "91330106MA2B0LINLI",
            "service_phone": "400-800-1234",
            "address": "杭州市西湖区文一西路100号",
        },
    )
    estate = Estate(company=company, communities=[], password_hash=make_password(password))
    remaining = rooms
    for index, spec in enumerate(COMMUNITIES):
        spec = dict(spec)
        share = spec.pop("share")
        community, _ = Community.objects.get_or_create(
            company=company, name=spec.pop("name"), defaults=spec
        )
        estate.communities.append(community)
        wanted = remaining if index == len(COMMUNITIES) - 1 else round(rooms * share)
        remaining -= wanted
        estate.created[f"rooms:{community.name}"] = _seed_rooms(community, wanted)
    _seed_residents(estate)
    return estate


def _seed_rooms(community: Community, count: int) -> int:
    per_building = FLOORS * UNITS_PER_BUILDING * ROOMS_PER_FLOOR
    building_count = math.ceil(count / per_building)
    Building.objects.bulk_create(
        [
            Building(community=community, name=f"{n}栋", floors=FLOORS, sort_order=n)
            for n in range(1, building_count + 1)
        ],
        ignore_conflicts=True,
    )
    buildings = list(Building.objects.filter(community=community).order_by("sort_order"))[
        :building_count
    ]
    Unit.objects.bulk_create(
        [
            Unit(building=b, name=f"{u}单元", sort_order=u)
            for b in buildings
            for u in range(1, UNITS_PER_BUILDING + 1)
        ],
        ignore_conflicts=True,
    )
    units = {(u.building_id, u.sort_order): u for u in Unit.objects.filter(building__in=buildings)}
    new_rooms = []
    made = 0
    for b_index, building in enumerate(buildings):
        for unit_no in range(1, UNITS_PER_BUILDING + 1):
            for floor in range(1, FLOORS + 1):
                for position in range(1, ROOMS_PER_FLOOR + 1):
                    if made >= count:
                        break
                    made += 1
                    new_rooms.append(
                        Room(
                            building=building,
                            unit=units[(building.pk, unit_no)],
                            number=f"{floor}{position:02d}",
                            floor=floor,
                            area=AREAS[(b_index + unit_no + position) % len(AREAS)],
                            use=Room.Use.RESIDENTIAL,
                        )
                    )
    before = Room.objects.filter(building__community=community).count()
    Room.objects.bulk_create(new_rooms, batch_size=2000, ignore_conflicts=True)
    return Room.objects.filter(building__community=community).count() - before


def _seed_residents(estate: Estate) -> None:
    """About 70% of rooms have a verified owner, a third of those a family; one in ten is let
    to a tenant; a few bindings wait for verification and a few were rejected."""
    rng = random.Random(20261125)  # noqa: S311 - demo data, repeatable on purpose
    plan: list[tuple[str, str, int, str, str]] = []  # mobile, name, room_id, relation, status
    serial = 0
    for c_index, community in enumerate(estate.communities):
        room_ids = list(
            Room.objects.filter(building__community=community)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for r_index, room_id in enumerate(room_ids):
            roll = rng.random()
            if r_index % 37 == 5:
                serial += 1
                status = "rejected" if r_index % 74 == 5 else "pending"
                plan.append(
                    (
                        f"137{c_index + 1}{serial:07d}",
                        _name(rng),
                        room_id,
                        Residency.Relation.TENANT,
                        status,
                    )
                )
            if r_index == 0 or roll > 0.70:  # the first room is for the demo logins
                continue
            serial += 1
            owner_mobile = f"139{c_index + 1}{serial:07d}"
            plan.append((owner_mobile, _name(rng), room_id, Residency.Relation.OWNER, "verified"))
            if rng.random() < 0.35:
                for _ in range(rng.choice((1, 1, 2))):
                    serial += 1
                    plan.append(
                        (
                            f"139{c_index + 1}{serial:07d}",
                            _name(rng),
                            room_id,
                            Residency.Relation.FAMILY,
                            "verified",
                        )
                    )
            if rng.random() < 0.10:
                serial += 1
                plan.append(
                    (
                        f"139{c_index + 1}{serial:07d}",
                        _name(rng),
                        room_id,
                        Residency.Relation.TENANT,
                        "verified",
                    )
                )
    users = [
        User(mobile=m, display_name=n, password=estate.password_hash, mobile_verified=True)
        for m, n, *_ in plan
    ]
    before_users = User.objects.count()
    User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
    estate.created["users"] = User.objects.count() - before_users
    ids = dict(User.objects.filter(mobile__in=[m for m, *_ in plan]).values_list("mobile", "pk"))
    existing = set(
        Residency.objects.filter(user_id__in=ids.values()).values_list("user_id", "room_id")
    )
    now = timezone.now()
    residencies = []
    for mobile, _, room_id, relation, status in plan:
        if (ids[mobile], room_id) in existing:
            continue
        if status == "pending":
            requested = now - timedelta(hours=rng.randint(1, 96))
        else:
            requested = now - timedelta(days=rng.randint(20, 900), minutes=rng.randint(0, 1440))
        residencies.append(
            Residency(
                user_id=ids[mobile],
                room_id=room_id,
                relation=relation,
                status=status,
                created_at=requested,
                verified_at=(
                    requested + timedelta(hours=rng.randint(1, 48))
                    if status in ("verified", "rejected")
                    else None
                ),
                rejection_reason="房产证姓名与申请人不一致" if status == "rejected" else "",
            )
        )
    Residency.objects.bulk_create(residencies, batch_size=2000)
    estate.created["residencies"] = len(residencies)
    _attach_family_to_heads()


def _attach_family_to_heads() -> None:
    """Family members belong to the household of the room's verified owner (also mends
    estates seeded before households had heads)."""
    orphans = list(
        Residency.objects.filter(
            relation=Residency.Relation.FAMILY, status=Residency.Status.VERIFIED, head=None
        )
    )
    heads = dict(
        Residency.objects.filter(
            room_id__in={r.room_id for r in orphans},
            relation=Residency.Relation.OWNER,
            status=Residency.Status.VERIFIED,
        )
        .order_by("-pk")
        .values_list("room_id", "pk")
    )
    for residency in orphans:
        residency.head_id = heads.get(residency.room_id)
    Residency.objects.bulk_update([r for r in orphans if r.head_id], ["head"], batch_size=2000)


def ensure_user(*, mobile: str, name: str, password_hash: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        mobile=mobile,
        defaults={
            "display_name": name,
            "password": password_hash,
            "mobile_verified": True,
            **extra,
        },
    )
    return user


def ensure_residency(*, user: User, room: Room, relation: str) -> Residency:
    residency = Residency.objects.filter(user=user, room=room).first()
    if residency is None:
        head = None
        if relation == Residency.Relation.FAMILY:
            head = Residency.objects.filter(
                room=room, relation=Residency.Relation.OWNER, status=Residency.Status.VERIFIED
            ).first()
        residency = Residency.objects.create(
            user=user,
            room=room,
            relation=relation,
            status=Residency.Status.VERIFIED,
            verified_at=timezone.now(),
            head=head,
        )
    elif relation == Residency.Relation.FAMILY and residency.head_id is None:
        _attach_family_to_heads()
        residency.refresh_from_db()
    return residency


INVITED_MOBILE = "13900000003"


def ensure_featured_requests(*, owner: User, other: User) -> list[tuple[str, str, str]]:
    """What the demo logins show beyond their household: an invitation from the owner's
    household to a number without an account yet (sign up with it to accept), and a room
    request of the other community's owner that staff rejected, with the reason.
    Returns logins worth printing: (mobile, who, where)."""
    head = Residency.objects.filter(user=owner, status=Residency.Status.VERIFIED).first()
    if (
        head is not None
        and not FamilyInvitation.objects.filter(head=head, mobile=INVITED_MOBILE).exists()
    ):
        FamilyInvitation.objects.create(
            head=head,
            mobile=INVITED_MOBILE,
            invited_by=owner,
            expires_at=timezone.now() + timedelta(days=7),
        )
    home = Residency.objects.filter(user=other).select_related("room").first()
    if home is not None:
        neighbour = (
            Room.objects.filter(building=home.room.building)
            .exclude(pk=home.room_id)
            .order_by("pk")
            .first()
        )
        if (
            neighbour is not None
            and not Residency.objects.filter(user=other, room=neighbour).exists()
        ):
            Residency.objects.create(
                user=other,
                room=neighbour,
                relation=Residency.Relation.OWNER,
                status=Residency.Status.REJECTED,
                verified_at=timezone.now(),
                rejection_reason="上传的房产证照片看不清，请重新拍摄后再申请",
            )
    where = f"{head.room.building.community.name} {head.room.label}" if head else ""
    return [
        (INVITED_MOBILE, f"（未注册）{owner.display_name}邀请的家庭成员：用此号注册后接受", where)
    ]


# --- Second factor of the demo's operator and managers ---------------------------------------

# Public on purpose, like the demo password: add it to an authenticator app, or read the
# current code with `manage.py demo_code`. Base32, 20 bytes.
DEMO_TOTP_SECRET = "LINLIDEMOLINLIDEMOLINLIDEMOLINLI"  # noqa: S105 - printed on purpose


def ensure_demo_second_factor() -> list[User]:
    """An authenticator app (the demo secret) for every demo user who needs a second factor
    (accounts.mfa.requires_second_factor) and has none yet. Returns them all."""
    from allauth.mfa.models import Authenticator

    from .allauth_bridge import activate_totp
    from .mfa import requires_second_factor

    candidates = User.objects.filter(is_active=True).filter(
        models.Q(is_staff=True) | models.Q(is_superuser=True) | models.Q(staff_member__isnull=False)
    )
    users = [user for user in candidates.order_by("mobile") if requires_second_factor(user)]
    having = set(
        Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP).values_list(
            "user_id", flat=True
        )
    )
    for user in users:
        if user.pk not in having:
            activate_totp(user, DEMO_TOTP_SECRET)
    return users


def demo_totp_code(at: float | None = None) -> tuple[str, int]:
    """The demo secret's code now (or at `at`, a Unix time) and the seconds it stays valid."""
    import time

    from allauth.mfa import app_settings

    from .allauth_bridge import totp_code

    now = time.time() if at is None else at
    left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
    return totp_code(DEMO_TOTP_SECRET, now), left
