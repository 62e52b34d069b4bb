"""Demo data of the providers part, called from services.demo.seed_services: six approved
providers of the first demo community with items and hours, one applicant waiting for review,
one whose licence expires in 20 days, and the demo provider login (13700000001, the owner of
the first provider). Idempotent (by company name); prints nothing."""

import datetime as dt
import io
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import ensure_user

from ..models import (
    Provider,
    ProviderHours,
    ProviderListing,
    ProviderMember,
    ServiceCategory,
    ServiceItem,
)

DEMO_PROVIDER_MOBILE = "13700000001"
DEMO_PASSWORD = "linli2026"  # noqa: S105 - the demo's shared password
Status = ProviderListing.Status

# name, category, contact, phone, description, items (name, price or None, unit), hours
# (weekdays, from, until), status, licence days left
PROVIDERS = [
    ("安心家政服务有限公司", "家政保洁", "周丽", "13700000011",
     "十年社区家政经验，阿姨持证上岗，自带清洁工具。",
     [("日常保洁", "50", "hour"), ("深度保洁", "8", "sqm"), ("擦玻璃", "120", "visit")],
     (range(7), 8, 18), Status.APPROVED, 400),
    ("快修家电维修中心", "家电维修", "王师傅", "13700000012",
     "空调、洗衣机、冰箱、热水器上门维修，配件明码标价。",
     [("上门检测", "30", "visit"), ("空调清洗", "80", "piece"), ("维修（视故障）", None,
                                                                 "negotiable")],
     (range(6), 9, 19), Status.APPROVED, 300),
    ("金钥匙开锁公司", "开锁换锁", "李师傅", "13700000013",
     "公安备案开锁，需出示身份证与房产/租住证明。",
     [("普通开锁", "80", "visit"), ("更换锁芯", "180", "piece")],
     (range(7), 8, 22), Status.APPROVED, 200),
    ("蚂蚁搬家", "搬家", "陈经理", "13700000014",
     "小区内及同城搬家，提供纸箱与打包服务。",
     [("小面包车搬家", "300", "visit"), ("家具拆装", "100", "hour")],
     (range(7), 8, 18), Status.APPROVED, 20),
    ("洁净洗衣坊", "洗衣", "赵女士", "13700000015",
     "上门取送，衣物、床品、窗帘清洗。",
     [("衬衫水洗", "15", "piece"), ("羽绒服干洗", "45", "piece"), ("窗帘清洗", "12", "sqm")],
     (range(6), 9, 20), Status.APPROVED, 500),
    ("清泉桶装水配送", "送水", "孙师傅", "13700000016",
     "18.9L 桶装饮用水，两小时内送达。",
     [("桶装水（18.9L）", "18", "piece")],
     (range(7), 8, 20), Status.APPROVED, 365),
    ("好帮手管道疏通", "管道疏通", "吴师傅", "13700000017",
     "下水道、马桶、地漏疏通，新申请入驻。",
     [("马桶疏通", "100", "visit"), ("主管道疏通", None, "negotiable")],
     (range(6), 9, 18), Status.PENDING, 250),
]  # fmt: skip


def _licence_image(name: str) -> ContentFile:
    image = Image.new("RGB", (800, 560), "#f4efe2")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline="#b03a2e", width=6)
    draw.text((60, 80), "BUSINESS LICENCE (DEMO)", fill="#b03a2e")
    draw.text((60, 140), str(abs(hash(name)) % 10**12), fill="#333")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue())


def seed(community) -> None:
    today = timezone.localdate()
    first = None
    for number, row in enumerate(PROVIDERS):
        name, category_name, contact, phone, about, items, hours, status, days = row
        provider = _provider(number, name, category_name, contact, phone, about, items, hours,
                             today + dt.timedelta(days=days))  # fmt: skip
        ProviderListing.objects.get_or_create(
            provider=provider,
            community=community,
            defaults={
                "status": status,
                "decided_at": timezone.now() if status == Status.APPROVED else None,
            },
        )
        first = first or provider
    owner = ensure_user(
        mobile=DEMO_PROVIDER_MOBILE, name="周丽", password_hash=make_password(DEMO_PASSWORD)
    )
    ProviderMember.objects.get_or_create(
        provider=first, user=owner, defaults={"role": ProviderMember.Role.OWNER}
    )


def _provider(number, name, category_name, contact, phone, about, items, hours, expires):
    provider = Provider.objects.filter(name=name).first()
    if provider is not None:
        # Keep the licence story true on every date: the one due in 20 days stays so.
        Provider.objects.filter(pk=provider.pk).update(licence_expires_on=expires)
        return provider
    category = ServiceCategory.objects.get_or_create(name=category_name)[0]
    provider = Provider(
        name=name,
        contact_name=contact,
        contact_phone=phone,
        description=about,
        address="小区东门商业街",
        licence_number=f"91330106MA2{number:07d}X",
        licence_expires_on=expires,
    )
    provider.licence_image.save("licence.jpg", _licence_image(name), save=False)
    provider.save()
    provider.categories.set([category])
    for order, (item, price, unit) in enumerate(items):
        ServiceItem.objects.create(
            provider=provider, category=category, name=item, sort_order=order, unit=unit,
            price=Decimal(price) if price is not None else None,
        )  # fmt: skip
    weekdays, start, end = hours
    ProviderHours.objects.bulk_create(
        ProviderHours(provider=provider, weekday=d, start=dt.time(start), end=dt.time(end))
        for d in weekdays
    )
    return provider


# A provider of the partners demo (platform_admin/partners/demo.py): the platform's agreement
# with it has ended, so its listing is suspended. Nothing of the services demo relies on it
# (it is created after the bookings and reviews are seeded, and never books).
FORMER_PARTNER = (
    "美家窗帘清洗", "家政保洁", "钱女士", "13700000018", "窗帘、沙发套上门拆洗。",
    [("窗帘拆洗", "15", "sqm")], (range(6), 9, 18), Status.APPROVED, 300,
)  # fmt: skip


def seed_former_partner(community) -> Provider:
    """The provider the partners demo lets an agreement end for (idempotent)."""
    name, category_name, contact, phone, about, items, hours, status, days = FORMER_PARTNER
    provider = _provider(len(PROVIDERS), name, category_name, contact, phone, about, items,
                         hours, timezone.localdate() + dt.timedelta(days=days))  # fmt: skip
    ProviderListing.objects.get_or_create(
        provider=provider,
        community=community,
        defaults={"status": status, "decided_at": timezone.now()},
    )
    return provider
