"""Demo data of the parameters part: two position templates operators keep (idempotent)."""

from staff.models import PositionTemplate

TEMPLATES = [
    ("客服", "前台接待：住户、房屋绑定、公告、投诉、快递和预约",
     ["view_residents", "verify_residency", "manage_residents", "view_staff", "view_repairs",
      "dispatch_repairs", "view_bills", "view_notices", "publish_notices", "view_complaints",
      "handle_complaints", "log_complaints", "parcels", "bookings"]),
    ("维修主管", "派单并跟进维修，查看评价和绩效，设置报修类别",
     ["view_rooms", "view_repairs", "dispatch_repairs", "work_repairs", "repair_performance",
      "repair_settings", "view_notices"]),
]  # fmt: skip


def seed_parameters() -> int:
    """Position templates a new position may start from. Platform values stay at their
    defaults: the demo shows what the environment gives."""
    created = 0
    for name, description, duties in TEMPLATES:
        _template, new = PositionTemplate.objects.get_or_create(
            name=name, defaults={"description": description, "duties": duties}
        )
        created += new
    return created
