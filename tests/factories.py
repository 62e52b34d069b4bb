"""factory_boy factories for every model, and `build_community_world`, which gives a community
at least one object of every kind that staff URLs can name (used by the tenancy sweep)."""

from datetime import date, timedelta
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
    provider = bookable_provider(community, name=f"{community.name}家政")
    booking = booking_row(owner, provider, status="confirmed", confirmed_at=timezone.now())
    activity = ActivityFactory(community=community)
    activity.poster.save("poster.jpg", photo_upload(), save=True)
    activity_signup_row = activity_signup(activity, owner, people=2)
    parcel = ParcelFactory(household=owner, logged_by=staff_member.user)
    catalogue = build_catalogue_world(community, owner)
    providers = build_providers_world(community)
    complaints = complaints_world(owner, staff_member)
    report = analysis_report(community=community)
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
    return {
        **billing,
        **catalogue,
        **providers,
        **complaints,
        "message": message,
        "analysis_report": report,
        "provider": provider,
        "booking": booking,
        "activity": activity,
        "activity_signup": activity_signup_row,
        "parcel": parcel,
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
    category = "property"
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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        order = super()._create(model_class, *args, **kwargs)
        from repairs import rollup

        rollup.order_reported(order)  # its days' figures, as the services keep them
        return order


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


# --- services: bookings ---


def bookable_provider(
    community=None,
    *,
    name: str = "安心家政",
    slot_minutes: int = 120,
    slot_capacity: int = 2,
    cancel_cutoff_hours: int = 2,
    start=(8, 0),
    end=(18, 0),
    price: str | None = "60.00",
    unit: str = "hour",
):
    """A provider approved in `community` (None: approved nowhere), working `start`–`end`
    every day, with one item (`provider.items.first()`) and an owner member."""
    import datetime as dt

    from services.models import (
        Provider,
        ProviderHours,
        ProviderListing,
        ProviderMember,
        ServiceCategory,
        ServiceItem,
    )

    category = ServiceCategory.objects.order_by("pk").first() or ServiceCategory.objects.create(
        name="家政保洁"
    )
    provider = Provider.objects.create(
        name=name, contact_name="王师傅", contact_phone="13700000009",
        licence_number="91310000MA1234567X",
        licence_expires_on=timezone.localdate() + timedelta(days=365),
        slot_minutes=slot_minutes, slot_capacity=slot_capacity,
        cancel_cutoff_hours=cancel_cutoff_hours,
    )  # fmt: skip
    # A real file: the staff licence page of the tenancy sweep and the access matrix opens it.
    provider.licence_image.save("licence.jpg", photo_upload(size=(64, 48)), save=True)
    provider.categories.add(category)
    ProviderHours.objects.bulk_create(
        ProviderHours(provider=provider, weekday=day, start=dt.time(*start), end=dt.time(*end))
        for day in range(7)
    )
    ServiceItem.objects.create(
        provider=provider, category=category, name="日常保洁", unit=unit,
        price=Decimal(price) if price is not None else None,
    )  # fmt: skip
    if community is not None:
        ProviderListing.objects.create(
            provider=provider, community=community, status=ProviderListing.Status.APPROVED,
            decided_at=timezone.now(),
        )  # fmt: skip
    ProviderMember.objects.create(
        provider=provider, user=UserFactory(display_name=f"{name}店主"), role="owner"
    )
    return provider


def booking_row(household, provider, *, days_ahead: int = 3, hour: int = 10, status="requested",
                booked_by=None, **fields):  # fmt: skip
    """A booking of `household` (a head residency) for the provider's first item, a slot
    `days_ahead` days on at `hour`:00, its place taken (rows only: no audit, no messages)."""
    import datetime as dt

    from django.db.models import F

    from services.models import Booking, BookingSlot

    date = timezone.localdate() + timedelta(days=days_ahead)
    start = dt.time(hour)
    end = (dt.datetime.combine(date, start) + timedelta(minutes=provider.slot_minutes)).time()
    slot, _ = BookingSlot.objects.get_or_create(
        provider=provider, date=date, start=start,
        defaults={"end": end, "capacity": provider.slot_capacity},
    )  # fmt: skip
    BookingSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    item = provider.items.first()
    room = household.room
    return Booking.objects.create(
        number=f"YY{Booking.objects.count() + 1:06d}{provider.pk:04d}{household.pk:04d}"[:20],
        provider=provider, item=item, slot=slot, community=room.building.community,
        household=household, room=room, booked_by=booked_by or household.user,
        address=f"{room.building.community.name} {room.label}", contact_phone="13900000001",
        price=item.price, unit=item.unit, status=status, **fields,
    )  # fmt: skip


# --- services: activities ---


class ActivityFactory(factory.django.DjangoModelFactory):
    """A published activity of a week from now, sign-up open since yesterday."""

    class Meta:
        model = "services.Activity"

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"社区活动{n}")
    description = "一起来玩。"
    place = "社区活动中心"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(hours=2))
    signup_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    signup_closes_at = factory.LazyAttribute(lambda a: a.starts_at - timedelta(hours=1))
    capacity = 20
    per_household_limit = 3
    status = "published"
    published_at = factory.LazyFunction(timezone.now)


def activity_signup(activity, household, *, people: int = 1, status: str = "confirmed"):
    """A sign-up as a row (holding places counted into the activity), with its participants."""
    from django.db.models import F

    from services.models import Activity, ActivityParticipant, ActivitySignup

    signup = ActivitySignup.objects.create(
        activity=activity, household=household, user=household.user, status=status, people=people
    )
    ActivityParticipant.objects.bulk_create(
        [ActivityParticipant(signup=signup, name=f"参加者{n}") for n in range(people)]
    )
    if status in ActivitySignup.HOLDING:
        Activity.objects.filter(pk=activity.pk).update(places_taken=F("places_taken") + people)
        activity.refresh_from_db()
    return signup


# --- services: parcels ---


class ParcelFactory(factory.django.DjangoModelFactory):
    """A waiting parcel for `household`'s room (pass `household`, or `room` and household=None
    for a room where nobody verified lives)."""

    class Meta:
        model = "services.Parcel"

    household = factory.SubFactory(ResidencyFactory)
    room = factory.LazyAttribute(lambda o: o.household.room)
    community = factory.LazyAttribute(lambda o: o.room.building.community)
    recipient_name = "张伟"
    carrier = "sf"
    tracking_number = factory.Sequence(lambda n: f"SF{n:012d}")
    shelf = "A1"
    pickup_code = factory.Sequence(lambda n: f"{(n * 7919) % 1000000:06d}")
    logged_by = factory.SubFactory(UserFactory)


# --- services: catalogue ---


class CatalogueProviderFactory(factory.django.DjangoModelFactory):
    """A provider with a valid licence (the providers part has its own factory; this one is
    the catalogue's, for reviews and the resident list)."""

    class Meta:
        model = "services.Provider"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"好帮手家政{n}")
    contact_name = "赵经理"
    contact_phone = "13700000000"
    description = "专业保洁，十年经验。"
    licence_number = factory.Sequence(lambda n: f"91310115MA1K{n:06d}")
    licence_image = factory.django.ImageField(filename="licence.jpg", width=32, height=24)
    licence_expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        from services.models import ServiceCategory

        if create:
            # (A transactional test flushes the categories the migration made.)
            default = ServiceCategory.objects.order_by("pk").first()
            if default is None:
                default = ServiceCategory.objects.create(name="家政保洁", icon="house-heart")
            self.categories.set(extracted or [default])


def catalogue_provider(community, *, status="approved", price="80.00", **kwargs):
    """A provider listed in `community` (approved by default) with one item."""
    from services.models import ProviderListing, ServiceItem

    provider = CatalogueProviderFactory(**kwargs)
    ProviderListing.objects.create(provider=provider, community=community, status=status)
    ServiceItem.objects.create(
        provider=provider,
        category=provider.categories.first(),
        name="日常保洁",
        price=None if price is None else Decimal(price),
        unit="negotiable" if price is None else "hour",
    )
    return provider


def done_booking(household, provider, *, status="done", days_ago=2):
    """A finished booking of `household` (the head's residency) with `provider`, as rows."""
    import datetime as dt

    from django.db.models import F

    from services.models import Booking, BookingSlot

    day = timezone.localdate() - timedelta(days=days_ago)
    slot, _created = BookingSlot.objects.get_or_create(
        provider=provider, date=day, start=dt.time(9), defaults={"end": dt.time(11), "capacity": 50}
    )
    BookingSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    item = provider.items.order_by("pk").first()
    return Booking.objects.create(
        number=f"FW{Booking.objects.count() + 1:08d}{provider.pk % 1000:03d}",
        provider=provider, item=item, slot=slot,
        community=household.room.building.community, household=household, room=household.room,
        booked_by=household.user, address=household.room.label,
        contact_phone=household.user.mobile or "13900000000",
        price=item.price, unit=item.unit, status=status,
        finished_at=timezone.now() - timedelta(days=days_ago) if status == "done" else None,
    )  # fmt: skip


def service_review(booking, *, rating=5, text="很干净，师傅很准时。", photos=0, hidden=False):
    """A review of `booking` as rows, with the provider's counters kept in step."""
    from django.core.files.base import ContentFile
    from django.db.models import F

    from services.models import Provider, ServiceReview, ServiceReviewPhoto

    review = ServiceReview.objects.create(
        booking=booking, provider=booking.provider, community=booking.community,
        author=booking.booked_by, rating=rating, text=text, is_hidden=hidden,
        hidden_reason="辱骂" if hidden else "",
    )  # fmt: skip
    for n in range(photos):
        upload = photo_upload(f"p{n}.jpg", size=(64, 48), with_exif=False)
        ServiceReviewPhoto.objects.create(
            review=review, image=ContentFile(upload.read(), name=f"p{n}.jpg")
        )
    if not hidden:
        Provider.objects.filter(pk=booking.provider_id).update(
            rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
        )
    return review


def build_catalogue_world(community, owner) -> dict[str, object]:
    """A provider approved in `community`, a finished booking of `owner`'s household with a
    review and its photo (what the catalogue's staff URLs name)."""
    provider = catalogue_provider(community)
    booking = done_booking(owner, provider)
    review = service_review(booking, photos=1)
    return {
        "service_provider": provider,
        "service_booking": booking,
        "service_review": review,
        "service_review_photo": review.photos.first(),
    }


def household_in(community):
    """A verified owner's household in a building of its own (names that never collide)."""
    import uuid

    building = BuildingFactory(community=community, name=f"楼{uuid.uuid4().hex[:8]}")
    return ResidencyFactory(room__building=building)


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


# --- complaints ---


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A submitted complaint of a verified owner's household, about their room, in the
    community's first category. Build other states through the app's services (or pass the
    fields for a fixture that only needs rows)."""

    class Meta:
        model = "complaints.Complaint"

    household = factory.SubFactory(ResidencyFactory)
    reporter = factory.LazyAttribute(lambda o: o.household.user)
    community = factory.LazyAttribute(lambda o: o.household.room.building.community)
    room = factory.LazyAttribute(lambda o: o.household.room)
    category = factory.LazyAttribute(
        lambda o: o.community.complaint_categories.order_by("sort_order").first()
    )
    details = "楼道垃圾三天没人清运，气味很大。"
    wanted_outcome = "尽快清运，并说明以后的清运时间。"
    contact_name = factory.LazyAttribute(lambda o: o.reporter.get_full_name())
    contact_phone = factory.LazyAttribute(lambda o: o.reporter.mobile)
    accept_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
    reply_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=72))


class ComplaintMessageFactory(factory.django.DjangoModelFactory):
    """A message of the household in the complaint's conversation."""

    class Meta:
        model = "complaints.ComplaintMessage"

    complaint = factory.SubFactory(ComplaintFactory)
    author = factory.LazyAttribute(lambda o: o.complaint.reporter)
    body = "今天早上还是没有清运。"


class ComplaintAttachmentFactory(factory.django.DjangoModelFactory):
    """A small JPEG photo with a thumbnail, filed with the complaint."""

    class Meta:
        model = "complaints.ComplaintAttachment"

    complaint = factory.SubFactory(ComplaintFactory)
    kind = "image"
    content_type = "image/jpeg"
    original_name = "垃圾.jpg"
    size = factory.LazyAttribute(lambda a: a.file.size)
    file = factory.django.ImageField(filename="rubbish.jpg", width=64, height=48, format="JPEG")
    thumbnail = factory.django.ImageField(filename="thumb.jpg", width=32, height=24, format="JPEG")


class SuggestionFactory(factory.django.DjangoModelFactory):
    """A submitted public suggestion of a verified owner's household."""

    class Meta:
        model = "complaints.Suggestion"

    household = factory.SubFactory(ResidencyFactory)
    proposer = factory.LazyAttribute(lambda o: o.household.user)
    community = factory.LazyAttribute(lambda o: o.household.room.building.community)
    title = factory.Sequence(lambda n: f"小区增设充电桩 {n}")
    body = "地下车库电动车越来越多，建议在 B1 增设 10 个充电桩。"


class SuggestionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "complaints.SuggestionStep"

    suggestion = factory.SubFactory(SuggestionFactory, status="adopted")
    title = "联系供电公司勘察"
    target_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))


def complaints_world(owner, staff_member) -> dict:
    """One object of each kind the complaints app's staff URLs name, for build_community_world."""
    complaint = ComplaintFactory(household=owner)
    suggestion = SuggestionFactory(household=owner)
    return {
        "complaint": complaint,
        "complaint_file": ComplaintAttachmentFactory(complaint=complaint),
        "complaint_category": complaint.category,
        "department": complaint.community.complaint_departments.first(),
        "suggestion": suggestion,
        "step": SuggestionStepFactory(suggestion=suggestion),
    }


# --- platform_admin: partners (PPAR-1, PPAR-2) ------------------------------------------------


class PartnerFactory(factory.django.DjangoModelFactory):
    """A payment institution by default; `provider_partner(provider)` for a service provider."""

    class Meta:
        model = "platform_admin.Partner"

    kind = "payment"
    name = factory.Sequence(lambda n: f"第{n}支付机构")
    merchant_numbers = factory.Sequence(lambda n: f"19000{n:05d}")
    channels = factory.LazyFunction(lambda: ["wechat"])


class AgreementFactory(factory.django.DjangoModelFactory):
    """A signed agreement in force for a year from 100 days ago."""

    class Meta:
        model = "platform_admin.Agreement"

    partner = factory.SubFactory(PartnerFactory)
    number = factory.Sequence(lambda n: f"LL-T-{n:04d}")
    title = "合作协议"
    kind = "payment"
    status = "signed"
    start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=100))
    signed_on = factory.LazyAttribute(lambda a: a.start - timedelta(days=3))
    end = factory.LazyAttribute(lambda a: a.start + timedelta(days=365))
    fee_rate = Decimal("0.600")


def provider_partner(provider, **kwargs):
    return PartnerFactory(
        kind="provider", name=provider.name, provider=provider, merchant_numbers="", channels=[],
        **kwargs,
    )  # fmt: skip


# --- platform_admin: usage (PSTA-1) ------------------------------------------------------------


class UsageDayFactory(factory.django.DjangoModelFactory):
    """A resident's day in the residents' portal (no feature used unless given)."""

    class Meta:
        model = "platform_admin.UsageDay"

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(timezone.localdate)
    community = None


# --- platform_admin: business statistics (PSTA-2) ---


def business_bill(room, *, month, amount, paid="0.00", status="published", rule=None):
    """A bill of `room` for the month starting `month`, as a row (paid so far: `paid`)."""
    import datetime as dt
    import uuid

    from billing.models import Bill

    community = room.building.community
    rule = rule or fee_rule(community, name=f"物业费{uuid.uuid4().hex[:6]}")
    return Bill.objects.create(
        number=f"ZD{uuid.uuid4().hex[:16]}", community=community, room=room, rule=rule,
        kind=rule.kind, title=rule.name, period_start=month,
        period_end=month + dt.timedelta(days=27), due_date=month + dt.timedelta(days=14),
        amount=Decimal(amount), paid_amount=Decimal(paid), status=status,
        published_at=timezone.now(),
    )  # fmt: skip


def business_payment(bill, *, amount, method="wechat", paid_at, late_fee="0.00",
                     status="succeeded"):  # fmt: skip
    """A payment of `bill` (one item) paid at `paid_at`, as rows."""
    import uuid

    from billing.models import Payment, PaymentItem

    payment = Payment.objects.create(
        number=f"ZF{uuid.uuid4().hex[:16]}", community=bill.community, room=bill.room,
        method=method, amount=Decimal(amount) + Decimal(late_fee), status=status,
        paid_at=paid_at,
    )  # fmt: skip
    PaymentItem.objects.create(
        payment=payment, bill=bill, amount=Decimal(amount), late_fee=Decimal(late_fee)
    )
    return payment


# --- platform_admin: reports (PSTA-3) ---


def analysis_report(*, community=None, company=None, status="done", created_by=None,
                    start=date(2026, 11, 1)):  # fmt: skip
    """An analysis report of a month; a finished one has a small PDF and one finding."""
    from django.core.files.base import ContentFile

    from platform_admin.reports.models import AnalysisReport
    from platform_admin.scope import Period

    period = Period.month(start)
    report = AnalysisReport.objects.create(
        kind="month",
        period_start=period.start,
        period_end=period.end,
        company=company or (community.company if community is not None else None),
        community=community,
        status=status,
        created_by=created_by,
        progress=100 if status == "done" else 0,
    )
    if status == "done":
        report.findings = [{"kind": "collection", "text": "本期收缴率为92.0%，达到90.0%的目标。",
                            "weight": 20.0, "tone": "good"}]  # fmt: skip
        report.finished_at = timezone.now()
        report.file.save("report.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        report.save()
    return report


def business_repair(household, *, created, completed=None, response=None, finish=None, on_time=None,
           rating=None, status=None):  # fmt: skip
    """A repair order as the business statistics read it: reported at `created`, completed
    (timed, on time or not) and rated when given."""
    from repairs.models import RepairOrder, RepairRating

    order = RepairOrderFactory(household=household, created_at=created)
    if completed is not None:
        RepairOrder.objects.filter(pk=order.pk).update(
            status=RepairOrder.Status.COMPLETED, accepted_at=created, completed_at=completed,
            technician_response_seconds=response, technician_finish_seconds=finish,
            finished_on_time=on_time,
        )  # fmt: skip
    elif status:
        RepairOrder.objects.filter(pk=order.pk).update(status=status)
    if rating:
        RepairRating.objects.create(
            order=order, speed=rating[0], quality=rating[1], attitude=rating[2],
            rated_by=household.user, created_at=completed,
        )  # fmt: skip
    from repairs import rollup

    order.refresh_from_db()
    rollup.order_changed(order)  # the daily figures, as the services keep them
    return order
