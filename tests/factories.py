"""factory_boy factories for every model, and `build_community_world`, which gives a community
at least one object of every kind that staff URLs can name (used by the tenancy sweep)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    Building,
    Community,
    FamilyInvitation,
    PropertyCompany,
    Residency,
    Room,
    Unit,
    User,
)
from staff.models import StaffInvitation, StaffMember
from staff.positions import ensure_positions
from staff.services import staff_member_create, staff_member_update

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("mobile",)

    mobile = factory.Sequence(lambda n: f"1391{n:07d}")
    display_name = factory.Sequence(lambda n: f"住户{n}")
    mobile_verified = True
    password = factory.django.Password(PASSWORD)


class PropertyCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyCompany

    name = factory.Sequence(lambda n: f"第{n}物业服务有限公司")
    short_name = factory.Sequence(lambda n: f"第{n}物业")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    company = factory.SubFactory(PropertyCompanyFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    city = "杭州市"
    address = factory.Sequence(lambda n: f"杭州市西湖区测试路{n}号")
    service_phone = "0571-88000000"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"{n + 1}栋")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    name = factory.Sequence(lambda n: f"{n % 4 + 1}单元")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    building = factory.SubFactory(BuildingFactory)
    unit = None
    number = factory.Sequence(lambda n: f"{n // 4 + 1}{n % 4 + 1:02d}")
    floor = factory.LazyAttribute(lambda room: int(room.number[:-2]))
    area = Decimal("98.50")


class ResidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residency

    user = factory.SubFactory(UserFactory)
    room = factory.SubFactory(RoomFactory)
    relation = Residency.Relation.OWNER
    status = Residency.Status.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)


class FamilyInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation from a verified owner's household, valid for 7 days."""

    class Meta:
        model = FamilyInvitation

    head = factory.SubFactory(ResidencyFactory)
    mobile = factory.Sequence(lambda n: f"1372{n:07d}")
    invited_by = factory.LazyAttribute(lambda invitation: invitation.head.user)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def position(name: str) -> Group:
    ensure_positions()
    return Group.objects.get(name=name)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """Created through the services, exactly as in the product. `position_name` in each of
    `communities`, or `positions={community: position name}` for a different one in each."""

    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory, display_name=factory.Sequence(lambda n: f"员工{n}"))
    company = None
    position_name = "经理"
    communities = ()
    positions = None

    @classmethod
    def _create(
        cls, model_class, *, user, company, position_name, communities, positions, **kwargs
    ):
        if positions:
            places = list(positions)
            member = staff_member_create(
                user=user,
                company=company or places[0].company,
                communities=places,
                position=position(position_name),
            )
            return staff_member_update(
                member=member,
                positions={c: position(name) for c, name in positions.items()},
                is_active=True,
            )
        communities = list(communities)
        return staff_member_create(
            user=user,
            company=company or communities[0].company,
            communities=communities,
            position=position(position_name),
        )


class StaffInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation to the staff of the first community's company, valid for 7 days;
    `communities` as for StaffMemberFactory, `invited_by` a manager of theirs."""

    class Meta:
        model = StaffInvitation

    mobile = factory.Sequence(lambda n: f"1373{n:07d}")
    position = factory.LazyFunction(lambda: position("客服"))
    token_hash = factory.Sequence(lambda n: StaffInvitation.hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *, communities=(), invited_by=None, **kwargs):
        communities = list(communities)
        kwargs.setdefault("company", communities[0].company)
        if invited_by is None:
            invited_by = StaffMemberFactory(communities=communities, position_name="经理").user
        invitation = model_class.objects.create(invited_by=invited_by, **kwargs)
        invitation.communities.set(communities)
        return invitation


def build_community_world(community: Community) -> dict[str, object]:
    """One of everything a staff URL can point at, inside `community`.

    Each module extends this when it adds a model that staff URLs name; the tenancy sweep
    fails with a clear message when a registered kind has no object here."""
    building = BuildingFactory(community=community)
    unit = UnitFactory(building=building)
    room = RoomFactory(building=building, unit=unit)
    owner = ResidencyFactory(room=room)
    pending = ResidencyFactory(
        room=room,
        status=Residency.Status.PENDING,
        verified_at=None,
        relation=Residency.Relation.TENANT,
    )
    family = ResidencyFactory(room=room, relation=Residency.Relation.FAMILY, head=owner)
    invitation = FamilyInvitationFactory(head=owner)
    staff_member = StaffMemberFactory(communities=[community], position_name="客服")
    staff_invitation = StaffInvitationFactory(communities=[community], invited_by=staff_member.user)
    notice = NoticeFactory(community=community)
    attachment = NoticeAttachmentFactory(notice=notice)
    # Accepted: in the pool, so the technician's pages show it too (not only the desk's).
    repair_order = RepairOrderFactory(
        household=owner, reporter=owner.user, status="accepted", accepted_at=timezone.now()
    )
    repair_file = RepairAttachmentFactory(order=repair_order)
    billing = build_billing_world(community, room)
    # An alert in the inbox of the community's staff member (the staff inbox opens it).
    message = MessageFactory(
        recipient=staff_member.user,
        event="repair.overdue",
        category="repairs",
        importance="important",
        object_type=ContentType.objects.get_for_model(repair_order),
        object_id=str(repair_order.pk),
        url=reverse("repairs_staff:detail", args=[repair_order.pk]),
    )
    providers = build_providers_world(community)
    return {
        **billing,
        **providers,
        "message": message,
        "repair_order": repair_order,
        "repair_file": repair_file,
        "repair_category": repair_order.category,
        "repair_slot": community.repair_time_slots.first(),
        "notice": notice,
        "attachment": attachment,
        "staff_member": staff_member,
        "staff_invitation": staff_invitation,
        "building": building,
        "unit": unit,
        "room": room,
        "owner": owner,
        "pending": pending,
        "family": family,
        "invitation": invitation,
    }


def photo_upload(
    name: str = "photo.jpg",
    *,
    size: tuple[int, int] = (800, 600),
    image_format: str = "JPEG",
    mode: str = "RGB",
    with_exif: bool = True,
):
    """An uploaded photo made with Pillow, with EXIF (camera and GPS position) by default."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new(mode, size, "#2bb38f" if mode in ("RGB", "RGBA") else 128)
    buffer = io.BytesIO()
    options = {}
    if with_exif and image_format in ("JPEG", "PNG", "WEBP"):
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Secret Model"  # Model
        exif[0x8825] = {1: "N", 2: (30.0, 16.0, 47.0)}  # GPSInfo
        options["exif"] = exif.tobytes()
    image.save(buffer, format=image_format, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(
        image_format, "application/octet-stream"
    )
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A draft notice; publish it with notices.services.notice_save(..., publish="now")."""

    class Meta:
        model = "notices.Notice"

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"停水通知 {n}")
    body = "<p>因管道检修，明日 9:00–17:00 停水。</p>"


class NoticeAttachmentFactory(factory.django.DjangoModelFactory):
    """A small PDF document attached to a notice."""

    class Meta:
        model = "notices.NoticeAttachment"

    notice = factory.SubFactory(NoticeFactory)
    kind = "pdf"
    original_name = "通知.pdf"
    size = 40
    file = factory.django.FileField(filename="notice.pdf", data=b"%PDF-1.4\n%%EOF\n")


class MessageFactory(factory.django.DjangoModelFactory):
    """An inbox message as `notices.notify.notify` writes it (without deliveries). Tests that
    are about sending go through notify() or the service that calls it."""

    class Meta:
        model = "notices.Message"

    recipient = factory.SubFactory(UserFactory)
    event = "repair.overdue"
    category = "repairs"
    importance = "important"
    key = factory.Sequence(lambda n: f"k{n}")
    title = factory.Sequence(lambda n: f"报修单 BX{n:04d} 已超时")
    body = "超时未接单 · 水电维修 · 3栋1201"
    url = ""


def video_upload(name: str = "clip.mp4", *, brand: bytes = b"isom", size: int = 2048):
    """Bytes that start like an MP4 (ISO media "ftyp" box) or, with brand=b"webm", a WebM."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    if brand == b"webm":
        head = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"
        content_type = "video/webm"
    else:
        head = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00isomiso2"
        content_type = "video/quicktime" if brand == b"qt  " else "video/mp4"
    data = head + b"\x00" * max(0, size - len(head))
    return SimpleUploadedFile(name, data, content_type=content_type)


class RepairOrderFactory(factory.django.DjangoModelFactory):
    """A pending order of a verified owner's household, in the owner's room. Build other
    states through repairs.services (or pass the fields for a fixture that only needs rows)."""

    class Meta:
        model = "repairs.RepairOrder"

    household = factory.SubFactory(ResidencyFactory)
    reporter = factory.LazyAttribute(lambda o: o.household.user)
    community = factory.LazyAttribute(lambda o: o.household.room.building.community)
    room = factory.LazyAttribute(lambda o: o.household.room)
    category = factory.LazyAttribute(
        lambda o: o.community.repair_categories.order_by("sort_order").first()
    )
    description = "卫生间水管漏水，地面有积水。"
    contact_name = factory.LazyAttribute(lambda o: o.reporter.get_full_name())
    contact_phone = factory.LazyAttribute(lambda o: o.reporter.mobile)
    appointment_start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    appointment_end = factory.LazyAttribute(lambda o: o.appointment_start + timedelta(hours=3))
    accept_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))
    finish_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))


class RepairAttachmentFactory(factory.django.DjangoModelFactory):
    """A small JPEG photo with a thumbnail, attached with the report."""

    class Meta:
        model = "repairs.RepairAttachment"

    order = factory.SubFactory(RepairOrderFactory)
    kind = "image"
    stage = "report"
    content_type = "image/jpeg"
    original_name = "漏水.jpg"
    size = factory.LazyAttribute(lambda a: a.file.size)
    file = factory.django.ImageField(filename="leak.jpg", width=64, height=48, format="JPEG")
    thumbnail = factory.django.ImageField(filename="thumb.jpg", width=32, height=24, format="JPEG")


class FeeRuleTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.FeeRuleTemplate"

    name = factory.Sequence(lambda n: f"物业服务费{n}")
    kind = "property"
    cycle = "monthly"
    unit_price = Decimal("2.80")
    due_day = 15
    late_fee_daily_rate = Decimal("0.0005")
    late_fee_cap_rate = Decimal("0.1000")


def fee_rule(community, *, kind="property", name=None, unit_price="2.80", cycle="monthly",
             tiers=None, valid_from=None, due_day=15, daily_rate="0.0005", cap_rate="0.1"):  # fmt: skip
    """A community's fee rule with one price, valid from `valid_from` (default 2020-01-01)."""
    import datetime as dt

    from billing.models import FeePrice, FeeRule

    rule = FeeRule.objects.create(
        community=community, name=name or f"{kind}-{FeeRule.objects.count() + 1}", kind=kind,
        cycle=cycle, due_day=due_day, late_fee_daily_rate=Decimal(daily_rate),
        late_fee_cap_rate=Decimal(cap_rate),
    )  # fmt: skip
    FeePrice.objects.create(
        rule=rule, valid_from=valid_from or dt.date(2020, 1, 1), unit_price=Decimal(unit_price),
        tiers=tiers or [],
    )  # fmt: skip
    return rule


def billing_actor(community):
    """A manager of `community` to act as in billing services."""
    return StaffMemberFactory(communities=[community], position_name="经理").user


def build_billing_world(community, room) -> dict[str, object]:
    """A property fee rule, last month's run with its published bill for `room`, and a paid
    bill of the month before with its payment and receipt (made through billing.services)."""
    import datetime as dt

    from billing import services

    actor = billing_actor(community)
    rule = fee_rule(community, name="物业服务费")
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    before = (last_month - dt.timedelta(days=1)).replace(day=1)
    old_run = services.run_create(community=community, fee_rules=[rule], month=before, actor=actor)
    services.run_publish(run=old_run, actor=actor)
    paid_bill = old_run.bills.get(room=room)
    payment = services.counter_payment(bills=[paid_bill], method="cash", cashier=actor)
    run = services.run_create(community=community, fee_rules=[rule], month=last_month, actor=actor)
    services.run_publish(run=run, actor=actor)
    return {
        "fee_rule": rule,
        "bill_run": run,
        "bill": run.bills.get(room=room),
        "payment": payment,
        "receipt": payment.receipt,
    }


# --- services: providers ---


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "services.ServiceCategory"
        django_get_or_create = ("name",)

    name = "家政"


class ProviderFactory(factory.django.DjangoModelFactory):
    """A provider with a licence valid for a year, Monday to Saturday 9:00–18:00, one item
    of its first category."""

    class Meta:
        model = "services.Provider"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"第{n}家政服务有限公司")
    contact_name = "赵经理"
    contact_phone = factory.Sequence(lambda n: f"1372{n:07d}")
    licence_number = factory.Sequence(lambda n: f"91330100MA{n:08d}")
    licence_image = factory.django.ImageField(filename="licence.jpg", color="#ccc")
    licence_expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if not create:
            return
        categories = extracted or [ServiceCategoryFactory()]
        self.categories.set(categories)
        from services.models import ProviderHours, ServiceItem

        ServiceItem.objects.create(
            provider=self, category=categories[0], name="日常保洁", price=Decimal("50.00"),
            unit="hour",
        )  # fmt: skip
        import datetime as dt

        ProviderHours.objects.bulk_create(
            ProviderHours(provider=self, weekday=day, start=dt.time(9), end=dt.time(18))
            for day in range(6)
        )


class ProviderMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "services.ProviderMember"

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(UserFactory)
    role = "owner"


class ProviderListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "services.ProviderListing"

    provider = factory.SubFactory(ProviderFactory)
    community = factory.SubFactory(CommunityFactory)
    status = "pending"


def build_providers_world(community) -> dict[str, object]:
    """A provider with an owner, applying to `community` (pending)."""
    listing = ProviderListingFactory(community=community)
    owner = ProviderMemberFactory(provider=listing.provider)
    return {"provider_listing": listing, "provider": listing.provider, "provider_owner": owner}
