"""The figures part's demo data: the demo community's departments get the demo staff as
members (once; what staff change later is left alone)."""

from accounts.models import Community

from ..models import Department
from . import selectors

# Department name → display names of the demo staff of the first community (staff/demo.py).
MEMBERS = {
    "客服": ["林小雅", "赵晓雨"],
    "工程": ["吴国强", "郑海涛"],
    "安保": ["冯大勇"],
    "保洁": ["赵晓雨"],
}


def seed(community: Community) -> None:
    staff = {member.user.display_name: member for member in selectors.staff_of(community)}
    for department in Department.objects.filter(community=community, name__in=MEMBERS):
        if department.members.exists():
            continue
        department.members.set([staff[name] for name in MEMBERS[department.name] if name in staff])
