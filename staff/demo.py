from django.contrib.auth.models import Group

from accounts.demo import Estate, ensure_user

from .models import StaffMember
from .positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN, ensure_positions
from .services import staff_member_create

# (number, position, names in the first and second community); the community's index and
# the number make the mobile: 1380000 + community + 3 digits.
TEAM = [
    (1, MANAGER, ("陈立军", "黄海燕")),
    (2, FRONT_DESK, ("林小雅", "何佳怡")),
    (3, FRONT_DESK, ("赵晓雨", "罗思远")),
    (4, CASHIER, ("周丽华", "许建华")),
    (5, TECHNICIAN, ("吴国强", "梁志明")),
    (6, TECHNICIAN, ("郑海涛", "宋建国")),
    (7, TECHNICIAN, ("冯大勇", "唐俊杰")),
]


def seed_staff(estate: Estate) -> list[tuple[str, str, str]]:
    """Staff of every position in each community, and one regional manager serving both.
    Returns the logins worth printing: (mobile, who, where)."""
    ensure_positions()
    groups = {
        g.name: g for g in Group.objects.filter(name__in=[MANAGER, FRONT_DESK, CASHIER, TECHNICIAN])
    }
    logins = []
    regional = ensure_user(
        mobile="13800000001", name="孙区域经理", password_hash=estate.password_hash
    )
    _ensure_member(regional, estate, estate.communities, groups[MANAGER], "HZ-0001")
    logins.append(
        (
            regional.mobile,
            f"{regional.display_name}（{MANAGER}）",
            "、".join(c.name for c in estate.communities),
        )
    )
    for c_index, community in enumerate(estate.communities, start=1):
        for number, position, names in TEAM:
            name = names[(c_index - 1) % len(names)]
            mobile = f"1380000{c_index}{number:03d}"
            user = ensure_user(mobile=mobile, name=name, password_hash=estate.password_hash)
            _ensure_member(user, estate, [community], groups[position], f"HZ-{c_index}{number:03d}")
            if number in (1, 2, 4, 5):
                logins.append((mobile, f"{name}（{position}）", community.name))
    return logins


def _ensure_member(user, estate, communities, position, number) -> StaffMember:
    member = StaffMember.objects.filter(user=user).first()
    if member is None:
        member = staff_member_create(
            user=user,
            company=estate.company,
            communities=communities,
            position=position,
            employee_number=number,
        )
    return member
