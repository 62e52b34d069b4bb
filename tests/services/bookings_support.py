"""What the bookings tests share: a pinned clock and a provider the resident may book."""

import datetime as dt
import zoneinfo

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday morning in Shanghai (UTC is still on Monday night).
PINNED = dt.datetime(2026, 3, 10, 7, 30, tzinfo=SHANGHAI)


def slot_value(date: dt.date, hour: int) -> str:
    return f"{date.isoformat()}T{hour:02d}:00"


def head_of(user, room):
    from accounts.models import Residency

    return Residency.objects.get(user=user, room=room)
