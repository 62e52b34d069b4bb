"""Demo data of the parcels part, called from services.demo.seed_services: a few parcels on the
shelves for 张伟's household (13900000001) and its neighbours, and some already collected.
Times are relative to now, so the demo reads the same on every date."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Community, Residency, User

from ..models import Parcel
from .services import free_pickup_code

FEATURED_MOBILE = "13900000001"  # 张伟
DESK_MOBILE = "13800001002"  # 林小雅, 客服 of 翠湖花园
CARRIERS = ["sf", "zto", "yto", "yunda", "jd", "ems", "jt", "sto"]
Status = Parcel.Status


def _tracking(rng: random.Random, carrier: str) -> str:
    prefix = {"sf": "SF", "jd": "JDX", "yto": "YT", "jt": "JT", "ems": "EM"}.get(carrier, "7")
    return prefix + "".join(str(rng.randrange(10)) for _ in range(12))


def _parcel(rng, community, household, desk, *, hours_ago, shelf, status=Status.WAITING,
            carrier=None) -> Parcel:  # fmt: skip
    now = timezone.now()
    carrier = carrier or rng.choice(CARRIERS)
    logged_at = now - dt.timedelta(hours=hours_ago)
    fields = {}
    if status != Status.WAITING:
        fields = {
            "picked_up_at": logged_at + dt.timedelta(hours=rng.uniform(3, 20)),
            "picked_up_by": household.user if status == Status.PICKED_UP else None,
            "picked_up_name": household.user.get_full_name() if status == Status.PICKED_UP else "",
            "handed_over_by": desk,
        }
    return Parcel.objects.create(
        community=community,
        room=household.room,
        household=household,
        recipient_name=household.user.get_full_name(),
        carrier=carrier,
        tracking_number=_tracking(rng, carrier),
        shelf=shelf,
        pickup_code=free_pickup_code(community.pk),
        status=status,
        logged_by=desk,
        logged_at=logged_at,
        **fields,
    )


def seed(community: Community) -> None:
    if Parcel.objects.filter(community=community).exists():
        return
    resident = User.objects.filter(mobile=FEATURED_MOBILE).first()
    desk = User.objects.filter(mobile=DESK_MOBILE).first()
    home = (
        Residency.objects.filter(
            user=resident, room__building__community=community, status=Residency.Status.VERIFIED
        )
        .select_related("room", "user", "head__user", "head__room")
        .first()
        if resident
        else None
    )
    if home is None or desk is None:
        return
    household = home.head or home
    rng = random.Random(f"parcels-{community.name}")
    neighbours = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .exclude(room_id=household.room_id)
        .select_related("room", "user")
        .order_by("pk")[:40]
    )
    with transaction.atomic():
        # 张伟: one just in, one waiting four days (the reminder's case), two collected.
        _parcel(rng, community, household, desk, hours_ago=1.5, shelf="A2", carrier="sf")
        _parcel(rng, community, household, desk, hours_ago=4 * 24 + 2, shelf="B1", carrier="jd")
        _parcel(rng, community, household, desk, hours_ago=3 * 24, shelf="A1",
                status=Status.PICKED_UP)  # fmt: skip
        _parcel(rng, community, household, desk, hours_ago=9 * 24, shelf="C3",
                status=Status.PICKED_UP)  # fmt: skip
        for index, neighbour in enumerate(rng.sample(neighbours, min(10, len(neighbours)))):
            status = Status.WAITING if index < 7 else Status.PICKED_UP
            if index == 9:
                status = Status.RETURNED
            _parcel(
                rng, community, neighbour, desk, hours_ago=rng.uniform(0.5, 24 * 6),
                shelf=rng.choice(["A1", "A2", "B1", "B2", "C3"]), status=status,
            )  # fmt: skip
