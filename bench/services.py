"""Seed the 20,000-room estate with services and activities and time the resident provider
list and the staff sign-up list.

    .venv/bin/python bench/services.py [--rooms 20000] [--providers 200] [--reviews 20000]
        [--activities 100]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench .venv/bin/python bench/services.py

Uses its own database under var/bench-services/ (or DATABASE_URL if set). It seeds the demo
estate, then gives its first community (翠湖花园), in bulk rows:

- `--providers` providers approved there (categories, an item each, bookings done counted);
- `--reviews` reviews, each of its own finished booking (a slot per booking), spread over the
  providers, the providers' rating counters set from them;
- `--activities` activities with about 30 sign-ups each (one participant per sign-up), and
  one with 2,000 sign-ups.

Then, as a resident of the community, the provider list sorted by rating, by neighbours' use
and filtered by a category; as its manager, the staff sign-up list of the big activity
(`services_staff:activity_signups`; "skipped: not built yet" while that page is missing).
It prints the median of 5 requests and the queries of each page; it exits with status 1 when
a page runs more than MAX_QUERIES queries or a median is over MAX_MS. A second run reuses the
rows already there (pass --rebuild to start them again)."""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-services"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

MAX_QUERIES = 30
MAX_MS = 100.0
RESIDENT_MOBILE = "13900000001"  # 张伟, owner in 翠湖花园
MANAGER_MOBILE = "13800001001"  # 陈立军, 经理 of 翠湖花园
BIG_SIGNUPS = 2000
SIGNUPS_PER_ACTIVITY = 30
PAST_PREFIX = "基准往期活动"
BATCH = 2000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20_000)
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true", help="delete the rows and rebuild")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Community, User

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    print(
        f"seed_demo --rooms {args.rooms}: {time.monotonic() - started:.1f} s on {connection.vendor}"
    )
    community = Community.objects.get(name="翠湖花园")
    if args.rebuild:
        clear(community)
    providers = ensure_providers(community, args.providers)
    ensure_reviews(community, providers, args.reviews)
    big = ensure_activities(community, args.activities)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    failures: list[str] = []
    resident = User.objects.get(mobile=RESIDENT_MOBILE)
    manager = User.objects.get(mobile=MANAGER_MOBILE)
    time_pages(resident, manager, community, big, failures)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def clear(community) -> None:
    from services.models import (
        Activity,
        Booking,
        BookingSlot,
        Provider,
        ServiceReview,
    )

    bench = Provider.objects.filter(name__startswith="基准服务商")
    ServiceReview.objects.filter(provider__in=bench).delete()
    Booking.objects.filter(provider__in=bench).delete()
    BookingSlot.objects.filter(provider__in=bench).delete()
    bench.delete()
    Activity.objects.filter(community=community, title__startswith="基准活动").delete()


def ensure_providers(community, wanted: int) -> list:
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from services.models import Provider, ProviderListing, ServiceCategory, ServiceItem

    bench = Provider.objects.filter(name__startswith="基准服务商")
    have = bench.count()
    if have < wanted:
        rng = random.Random(16)
        categories = list(ServiceCategory.objects.order_by("pk"))
        licence = ContentFile(b"bench", name="bench-licence.jpg")
        with transaction.atomic():
            made = Provider.objects.bulk_create(
                [
                    Provider(
                        name=f"基准服务商{n:03d}", contact_name="联系人", contact_phone="13700000000",
                        licence_number=f"91310115MA{n:08d}", licence_image=licence.name,
                        licence_expires_on=timezone.localdate() + dt.timedelta(days=300),
                    )
                    for n in range(have, wanted)
                ],
                batch_size=BATCH,
            )  # fmt: skip
            made = list(bench.filter(pk__gt=0).exclude(listings__community=community))
            through = Provider.categories.through
            through.objects.bulk_create(
                [
                    through(provider_id=p.pk, servicecategory_id=c.pk)
                    for p in made
                    for c in rng.sample(categories, 2)
                ],
                batch_size=BATCH,
            )
            prices = [rng.choice([None, 50, 80, 120]) if i else 60 for i in range(3 * len(made))]
            ServiceItem.objects.bulk_create(
                [
                    ServiceItem(
                        provider=p,
                        category=categories[p.pk % len(categories)],
                        name="上门服务",
                        price=prices[3 * n + i],
                        unit="negotiable" if prices[3 * n + i] is None else "hour",
                    )
                    for n, p in enumerate(made)
                    for i in range(3)
                ],
                batch_size=BATCH,
            )
            ProviderListing.objects.bulk_create(
                [
                    ProviderListing(
                        provider=p, community=community, status=ProviderListing.Status.APPROVED,
                        decided_at=timezone.now(),
                    )
                    for p in made
                ],
                batch_size=BATCH,
            )  # fmt: skip
    providers = list(bench.order_by("pk"))
    print(f"providers approved in {community.name}: {len(providers)}")
    return providers


def ensure_reviews(community, providers, wanted: int) -> None:
    from django.db import transaction
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from accounts.models import Residency
    from services.models import (
        Booking,
        BookingSlot,
        Provider,
        ProviderListing,
        ServiceReview,
    )

    reviews = ServiceReview.objects.filter(provider__in=providers)
    have = reviews.count()
    if have >= wanted:
        print(f"reviews: {have} (already there)")
        return
    rng = random.Random(2026)
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        ).select_related("user", "room")[:5000]
    )
    started = time.monotonic()
    today = timezone.localdate()
    for batch_start in range(have, wanted, BATCH):
        indexes = range(batch_start, min(batch_start + BATCH, wanted))
        with transaction.atomic():
            slots = BookingSlot.objects.bulk_create(
                [
                    BookingSlot(
                        provider=providers[i % len(providers)],
                        date=today - dt.timedelta(days=1 + i // len(providers)),
                        start=dt.time(9), end=dt.time(11), capacity=2, booked=1,
                    )
                    for i in indexes
                ]
            )  # fmt: skip
            slots = {
                (s.provider_id, s.date): s
                for s in BookingSlot.objects.filter(
                    provider__in=providers,
                    date__lte=today - dt.timedelta(days=1 + batch_start // len(providers)),
                    date__gte=today - dt.timedelta(days=1 + (indexes[-1]) // len(providers)),
                )
            }
            bookings = []
            for i in indexes:
                provider = providers[i % len(providers)]
                slot = slots[(provider.pk, today - dt.timedelta(days=1 + i // len(providers)))]
                household = households[rng.randrange(len(households))]
                finished = timezone.now() - dt.timedelta(days=1 + i // len(providers))
                bookings.append(
                    Booking(
                        number=f"BJ{i:010d}", provider=provider,
                        item_id=provider_items(provider), slot=slot, community=community,
                        household=household, room=household.room, booked_by=household.user,
                        address="基准地址", contact_phone="13900000000", price=60, unit="hour",
                        status=Booking.Status.DONE, created_at=finished,
                        finished_at=finished,
                    )
                )  # fmt: skip
            Booking.objects.bulk_create(bookings)
            ServiceReview.objects.bulk_create(
                [
                    ServiceReview(
                        booking=b, provider_id=b.provider_id, community=community,
                        author_id=b.booked_by_id,
                        rating=rng.choices([5, 4, 3, 2, 1], [50, 25, 12, 8, 5])[0],
                        text="服务很好" if rng.random() < 0.8 else "一般", created_at=b.finished_at,
                        is_hidden=rng.random() < 0.01,
                    )
                    for b in bookings
                ]
            )  # fmt: skip
    # The counters, as the services keep them (visible reviews; finished bookings here).
    for provider in Provider.objects.filter(pk__in=[p.pk for p in providers]).annotate(
        visible=Count("reviews", filter=Q(reviews__is_hidden=False)),
        total=Sum("reviews__rating", filter=Q(reviews__is_hidden=False)),
        done=Count("bookings", distinct=True),
    ):
        Provider.objects.filter(pk=provider.pk).update(
            rating_count=provider.visible, rating_sum=provider.total or 0
        )
        ProviderListing.objects.filter(provider=provider, community=community).update(
            bookings_done=provider.done
        )
    print(f"reviews: {reviews.count()} ({wanted - have} new) in {time.monotonic() - started:.1f} s")


_ITEMS: dict[int, int] = {}


def provider_items(provider) -> int:
    if provider.pk not in _ITEMS:
        _ITEMS[provider.pk] = provider.items.order_by("pk").values_list("pk", flat=True)[0]
    return _ITEMS[provider.pk]


def ensure_activities(community, wanted: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Residency
    from services.models import Activity, ActivityParticipant, ActivitySignup

    activities = Activity.objects.filter(community=community, title__startswith="基准活动")
    big = activities.filter(title="基准活动 大型").first()
    if activities.count() >= wanted and big is not None:
        print(f"activities: {activities.count()} (already there)")
        return big
    activities.delete()
    rng = random.Random(7)
    now = timezone.now()
    creator = get_user_model().objects.get(mobile=MANAGER_MOBILE)
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        ).select_related("user")[: max(BIG_SIGNUPS, SIGNUPS_PER_ACTIVITY) + 10]
    )
    started = time.monotonic()
    with transaction.atomic():
        made = Activity.objects.bulk_create(
            [
                Activity(
                    community=community,
                    title="基准活动 大型" if n == 0 else f"基准活动{n:03d}",
                    description="基准", place="社区广场",
                    starts_at=now + dt.timedelta(days=n % 30 + 1),
                    ends_at=now + dt.timedelta(days=n % 30 + 1, hours=2),
                    signup_opens_at=now - dt.timedelta(days=10),
                    signup_closes_at=now + dt.timedelta(days=n % 30),
                    capacity=BIG_SIGNUPS * 2 if n == 0 else 100,
                    status=Activity.Status.PUBLISHED, published_at=now - dt.timedelta(days=10),
                    created_by=creator,
                )
                for n in range(wanted)
            ]
        )  # fmt: skip
        made = list(activities.order_by("pk"))
        signups = []
        for activity in made:
            count = BIG_SIGNUPS if activity.title == "基准活动 大型" else SIGNUPS_PER_ACTIVITY
            for household in rng.sample(households, min(count, len(households))):
                signups.append(
                    ActivitySignup(
                        activity=activity, household=household, user=household.user,
                        status=ActivitySignup.Status.CONFIRMED, people=1,
                        created_at=now - dt.timedelta(minutes=rng.randint(1, 10000)),
                    )
                )  # fmt: skip
        ActivitySignup.objects.bulk_create(signups, batch_size=BATCH)
        signups = ActivitySignup.objects.filter(activity__in=made).select_related("user")
        ActivityParticipant.objects.bulk_create(
            [ActivityParticipant(signup=s, name=s.user.display_name, user=s.user) for s in signups],
            batch_size=BATCH,
        )
        for activity in made:
            taken = ActivitySignup.objects.filter(activity=activity).count()
            Activity.objects.filter(pk=activity.pk).update(places_taken=taken)
    big = activities.get(title="基准活动 大型")
    print(
        f"activities: {len(made)}, sign-ups: "
        f"{ActivitySignup.objects.filter(activity__in=made).count()} "
        f"({big.signups.count()} for the big one) in {time.monotonic() - started:.1f} s"
    )
    return big


def ensure_past_activities(community, wanted: int, *, days: int = 365) -> int:
    """`wanted` activities held over the past `days` in `community` (about one every few
    days), each with 10–60 confirmed sign-ups of one or two people, most of them checked in:
    what a year of activity looks like to the statistics. Reused by bench/estate.py."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Residency
    from services.models import Activity, ActivityParticipant, ActivitySignup

    past = Activity.objects.filter(community=community, title__startswith=PAST_PREFIX)
    have = past.count()
    if have >= wanted:
        print(f"past activities of {community.name}: {have} (already there)")
        return have
    rng = random.Random(f"past-{community.pk}-{have}")
    now = timezone.now()
    creator = get_user_model().objects.filter(is_staff=False).order_by("pk").first()
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        ).select_related("user")[:3000]
    )
    started = time.monotonic()
    with transaction.atomic():
        made = []
        for n in range(have, wanted):
            starts = now - dt.timedelta(days=days * (n + 0.5) / wanted, hours=rng.randint(0, 6))
            made.append(
                Activity(
                    community=community, title=f"{PAST_PREFIX}{n:04d}", description="基准",
                    place="社区广场", starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                    signup_opens_at=starts - dt.timedelta(days=10),
                    signup_closes_at=starts - dt.timedelta(hours=2), capacity=200,
                    status=Activity.Status.PUBLISHED,
                    published_at=starts - dt.timedelta(days=10), created_by=creator,
                )
            )  # fmt: skip
        Activity.objects.bulk_create(made, batch_size=BATCH)
        made = list(past.filter(signups__isnull=True).order_by("pk"))
        signups = []
        for activity in made:
            for household in rng.sample(households, min(rng.randint(10, 60), len(households))):
                signups.append(
                    ActivitySignup(
                        activity=activity, household=household, user=household.user,
                        status=ActivitySignup.Status.CONFIRMED, people=rng.choice([1, 1, 2]),
                        created_at=activity.starts_at - dt.timedelta(days=rng.randint(1, 9)),
                    )
                )  # fmt: skip
        ActivitySignup.objects.bulk_create(signups, batch_size=BATCH)
        participants = []
        for signup in ActivitySignup.objects.filter(activity__in=made).select_related(
            "activity", "user"
        ):
            for person in range(signup.people):
                came = rng.random() < 0.82
                participants.append(
                    ActivityParticipant(
                        signup=signup, name=signup.user.display_name if not person else "家属",
                        user=signup.user if not person else None,
                        checked_in_at=signup.activity.starts_at if came else None,
                    )
                )  # fmt: skip
        ActivityParticipant.objects.bulk_create(participants, batch_size=BATCH)
        for activity in made:
            taken = sum(s.people for s in signups if s.activity_id == activity.pk)
            Activity.objects.filter(pk=activity.pk).update(places_taken=taken)
    print(
        f"past activities of {community.name}: {past.count()} ({len(made)} new, "
        f"{len(participants)} people) in {time.monotonic() - started:.1f} s"
    )
    return past.count()


def _time(client, url: str, failures: list[str]) -> None:
    from bench.timing import time_page

    timing = time_page(client, url, warm=True)  # warmed: sessions, caches
    count, median = timing.queries, timing.median_ms
    print(f"{url:60} {median:10.1f} {count:8d}")
    if timing.status != 200:
        failures.append(f"{url}: status {timing.status}")
    if count > MAX_QUERIES:
        failures.append(f"{url}: {count} SQL queries (at most {MAX_QUERIES})")
    if median > MAX_MS:
        failures.append(f"{url}: {median:.0f} ms (under {MAX_MS:.0f} ms)")


def time_pages(resident, manager, community, big, failures: list[str]) -> None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from services.catalogue.selectors import categories_in_use

    category = categories_in_use(community).first()
    resident_client = Client(HTTP_HOST="localhost")
    resident_client.force_login(resident)
    print(f"\n{'page':60} {'median ms':>10} {'queries':>8}")
    # Not limited: what any resident page costs on this machine, to read the others against.
    _time(resident_client, reverse("accounts:home"), [])
    base = reverse("services:provider_list") + f"?community={community.pk}"
    for url in (
        base + "&sort=rating",
        base + "&sort=used",
        base + f"&sort=rating&category={category.pk}",
        base + "&sort=rating&page=5",
    ):
        _time(resident_client, url, failures)
    try:
        url = reverse("services_staff:activity_signups", kwargs={"activity_id": big.pk})
    except NoReverseMatch:
        print(f"{'services_staff:activity_signups':60} skipped: not built yet")
        return
    staff_client = Client(HTTP_HOST="localhost")
    staff_client.force_login(manager)
    pass_second_factor(staff_client, manager)
    _time(staff_client, url, failures)


def pass_second_factor(client, user) -> None:
    """The demo managers have the authenticator app: without the record of a second factor
    that the login flow writes, /staff/ sends them to confirm it (a 302, not the page)."""
    from types import SimpleNamespace

    from accounts.allauth_bridge import record_authentication

    request = SimpleNamespace(session=client.session)
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()


if __name__ == "__main__":
    main()
