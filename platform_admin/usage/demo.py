"""The usage part of the demo estate: the demo residents' sign-ups spread over the last half
year (by WeChat, phone and QQ) and four months of their days in the residents' portal, rolled
up like the nightly job does, so that 用户统计 shows something on `make run`. Idempotent: the
same residents get the same days (a generator seeded by their id), and existing rows stay."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Residency, SignupChannel, User
from platform_admin.figures import FEATURES

from . import services
from .models import UsageDay

DAYS = 120
JOINED_WITHIN_DAYS = 180
# How likely a resident of each kind opens the portal on a given day.
HABITS = ((0.3, 0.35), (0.4, 0.08), (0.3, 0.01))  # (share of residents, chance per day)
FEATURE_CHANCE = {"repairs": 0.08, "payments": 0.10, "notices": 0.3, "bookings": 0.05,
                  "activities": 0.07, "complaints": 0.03}  # fmt: skip
CHANNEL_WEIGHTS = ((SignupChannel.WECHAT, 6), (SignupChannel.PHONE, 3), (SignupChannel.QQ, 1))


def _habit(generator: random.Random) -> float:
    pick, total = generator.random(), 0.0
    for share, chance in HABITS:
        total += share
        if pick < total:
            return chance
    return HABITS[-1][1]


def seed_usage() -> int:
    """Returns the usage rows written."""
    today = timezone.localdate()
    now = timezone.now()
    residents = dict(
        Residency.objects.filter(status=Residency.Status.VERIFIED, user__is_staff=False)
        .order_by("user_id", "pk")
        .values_list("user_id", "room__building__community_id")
        .distinct()
    )
    # Accounts the demo made just now (residents and staff) opened over the last half year.
    fresh = User.objects.filter(is_staff=False, date_joined__gt=now - dt.timedelta(days=2))
    joined_changed = []
    for user in fresh.only("pk", "date_joined", "signup_channel"):
        generator = random.Random(user.pk)
        user.date_joined = now - dt.timedelta(
            days=generator.randrange(JOINED_WITHIN_DAYS), minutes=generator.randrange(1440)
        )
        user.signup_channel = generator.choices(
            [c for c, _w in CHANNEL_WEIGHTS], [w for _c, w in CHANNEL_WEIGHTS]
        )[0]
        joined_changed.append(user)
    joined = dict(User.objects.filter(pk__in=residents).values_list("pk", "date_joined"))
    joined.update({user.pk: user.date_joined for user in joined_changed})
    rows = []
    for user_id, community_id in residents.items():
        chance = _habit(random.Random(f"habit:{user_id}"))
        first = max(today - dt.timedelta(days=DAYS), timezone.localtime(joined[user_id]).date())
        for offset in range((today - first).days + 1):
            day = first + dt.timedelta(days=offset)
            rows.extend(_day_of(user_id, community_id, day, chance))
    with transaction.atomic():
        User.objects.bulk_update(joined_changed, ["date_joined", "signup_channel"], batch_size=500)
        before = UsageDay.objects.count()
        UsageDay.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        written = UsageDay.objects.count() - before
    # The closed days of the window again, as the nightly job would have seen them.
    services.usage_roll_up_days(
        first=today - dt.timedelta(days=DAYS), last=today - dt.timedelta(days=1)
    )
    return written


def _day_of(user_id: int, community_id: int, day: dt.date, chance: float) -> list[UsageDay]:
    """The same answer for the same resident and day, whenever the demo is seeded."""
    generator = random.Random(f"{user_id}:{day:%Y-%m-%d}")
    if generator.random() >= chance * (0.7 if day.weekday() < 5 else 1.3):
        return []
    # Payments cluster at the start of the month, when bills are due.
    boost = 1.6 if day.day <= 10 else 1.0
    used = {f: generator.random() < p * (boost if f == "payments" else 1)
            for f, p in FEATURE_CHANCE.items()}  # fmt: skip
    return [UsageDay(user_id=user_id, day=day, community_id=community_id,
                     **{f: used[f] for f in FEATURES})]  # fmt: skip
