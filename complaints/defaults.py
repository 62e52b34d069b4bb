"""Each community starts with the usual complaint categories and departments; staff edit them."""

from accounts.models import Community

from .models import ComplaintCategory, Department

DEFAULT_DEPARTMENTS = ["客服", "保洁", "安保", "工程", "绿化"]

DEFAULT_CATEGORIES = [
    # name, examples, about neighbours, accept within (hours), reply within (hours), department
    ("物业服务", "服务态度、办事效率、收费疑问", False, 4, 72, "客服"),
    ("环境卫生", "垃圾清运、楼道保洁、异味", False, 4, 48, "保洁"),
    ("噪音", "装修、广场舞、设备噪音", False, 2, 24, "安保"),
    ("邻里", "漏水到楼下、占用公共空间、宠物扰民", True, 4, 72, "客服"),
    ("安全", "门禁失灵、陌生人进入、消防通道", False, 1, 24, "安保"),
    ("停车", "乱停车、占用车位、道闸问题", False, 2, 48, "安保"),
    ("违建", "私搭乱建、破坏外立面", True, 8, 168, "工程"),
    ("其他", "以上都不是", False, 8, 120, "客服"),
]


def ensure_defaults(community: Community) -> None:
    if not Department.objects.filter(community=community).exists():
        Department.objects.bulk_create(
            Department(community=community, name=name, sort_order=index * 10)
            for index, name in enumerate(DEFAULT_DEPARTMENTS)
        )
    if ComplaintCategory.objects.filter(community=community).exists():
        return
    departments = {d.name: d for d in Department.objects.filter(community=community)}
    ComplaintCategory.objects.bulk_create(
        ComplaintCategory(
            community=community,
            name=name,
            hint=hint,
            about_neighbours=about_neighbours,
            accept_within_hours=accept,
            reply_within_hours=reply,
            department=departments.get(department),
            sort_order=index * 10,
        )
        for index, (name, hint, about_neighbours, accept, reply, department) in enumerate(
            DEFAULT_CATEGORIES
        )
    )
