import time

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import (
    DEMO_TOTP_SECRET,
    ensure_demo_second_factor,
    ensure_featured_requests,
    ensure_residency,
    ensure_user,
    seed_estate,
)
from accounts.models import Building, Community, Residency, Room, Unit, User
from billing.demo import seed_billing
from complaints.demo import seed_complaints
from kit.db import analyze
from notices.demo import seed_notices
from platform_admin.backups.demo import seed_backups
from platform_admin.business.demo import seed_business
from platform_admin.parameters.demo import seed_parameters
from platform_admin.partners.demo import seed_partners
from platform_admin.reports.demo import seed_reports
from platform_admin.usage.demo import seed_usage
from repairs.demo import seed_repairs
from services.demo import seed_services
from services.models import ProviderMember
from services.providers.demo import DEMO_PROVIDER_MOBILE
from staff.demo import seed_staff

DEMO_PASSWORD = "linli2026"  # noqa: S105 - printed to the console on purpose


class Command(BaseCommand):
    help = "Build (idempotently) a realistic demo estate and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=520, help="total rooms (default 520)")
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="password of every demo login"
        )
        parser.add_argument("--quiet", action="store_true", help="print only the logins")

    def handle(self, *args, rooms: int, password: str, quiet: bool, **options):
        started = time.monotonic()
        with transaction.atomic():
            estate = seed_estate(rooms=rooms, password=password)
            logins = seed_staff(estate)
            logins = self._featured_logins(estate) + logins
            second_factor = {user.mobile for user in ensure_demo_second_factor()}
        # The modules below look households up by these tables on every step.
        analyze(Community, Building, Unit, Room, User, Residency)
        # After the estate is committed: each notice's fan-out commits in chunks of its own.
        seed_notices(estate.communities[:2], User.objects.get(mobile="13800000001"))
        repair_orders = seed_repairs(estate.communities[0])
        bills = seed_billing(estate.communities)
        seed_services(estate.communities[0])
        seed_complaints(estate.communities[0])
        seed_parameters()
        seed_partners(estate.communities[0])
        usage_days = seed_usage()
        seed_business(estate.communities)
        seed_reports(estate.communities[0])  # after the statistics' demo data
        seed_backups()  # last: a real backup of everything seeded before it
        logins += self._provider_logins()
        if not quiet:
            new_rooms = sum(v for k, v in estate.created.items() if k.startswith("rooms:"))
            self.stdout.write(
                f"演示数据就绪（{time.monotonic() - started:.1f} 秒）："
                f"{len(estate.communities)} 个小区，{Room.objects.count()} 间房屋，"
                f"{User.objects.count()} 个账号；本次新建房屋 {new_rooms} 间、"
                f"账号 {estate.created['users']} 个、房屋绑定 {estate.created['residencies']} 条"
            )
            if repair_orders:
                self.stdout.write(
                    f"报修演示：{estate.communities[0].name} 新建报修单 {repair_orders} 张"
                )
            if bills:
                self.stdout.write(f"缴费演示：新建账单 {bills} 张（近 13 个月）")
            if usage_days:
                self.stdout.write(f"用户统计演示：新建住户使用记录 {usage_days} 条（近 4 个月）")
        self.stdout.write(self.style.SUCCESS(f"\n演示账号（密码均为 {password}）："))
        for mobile, who, where in logins:
            mark = "  *" if mobile in second_factor else ""
            self.stdout.write(f"  {mobile}  {who}  {where}{mark}")
        self.stdout.write(
            "  * 两步验证：登录后还需输入身份验证器的 6 位验证码。在身份验证器应用中添加密钥 "
            f"{DEMO_TOTP_SECRET}，或运行 .venv/bin/python manage.py demo_code 查看当前验证码。"
        )

    def _provider_logins(self) -> list[tuple[str, str, str]]:
        owners = ProviderMember.objects.filter(
            user__mobile=DEMO_PROVIDER_MOBILE, role=ProviderMember.Role.OWNER
        ).select_related("provider", "user")
        return [
            (m.user.mobile, f"{m.user.display_name}（服务商负责人，/provider/）", m.provider.name)
            for m in owners
        ]

    def _featured_logins(self, estate) -> list[tuple[str, str, str]]:
        first, second = estate.communities[:2]
        room_a = Room.objects.filter(building__community=first).order_by("pk").first()
        room_b = Room.objects.filter(building__community=second).order_by("pk").first()
        operator = ensure_user(
            mobile="13800000000",
            name="平台运营",
            password_hash=estate.password_hash,
            is_staff=True,
            is_superuser=True,
        )
        owner = ensure_user(mobile="13900000001", name="张伟", password_hash=estate.password_hash)
        family = ensure_user(mobile="13900000002", name="李娜", password_hash=estate.password_hash)
        other = ensure_user(mobile="13900000101", name="王芳", password_hash=estate.password_hash)
        ensure_residency(user=owner, room=room_a, relation=Residency.Relation.OWNER)
        ensure_residency(user=family, room=room_a, relation=Residency.Relation.FAMILY)
        ensure_residency(user=other, room=room_b, relation=Residency.Relation.OWNER)
        invited = ensure_featured_requests(owner=owner, other=other)
        return [
            (operator.mobile, "平台运营（/admin/）", "全平台"),
            (owner.mobile, "张伟（业主）", f"{first.name} {room_a.label}"),
            (family.mobile, "李娜（家庭成员）", f"{first.name} {room_a.label}"),
            (other.mobile, "王芳（业主，另有一条被驳回的申请）", f"{second.name} {room_b.label}"),
            *invited,
        ]
