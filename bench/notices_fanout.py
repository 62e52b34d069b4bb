"""Publish a notice to a whole community of the large demo estate and time the fan-out.

    .venv/bin/python bench/notices_fanout.py [--rooms 20000]

Uses its own database under var/bench/ (or DATABASE_URL if set), seeds the estate, gives a
third of the residents a Web Push subscription and a fifth a WeChat login, then publishes an
urgent notice to the largest community and runs the fan-out as the worker would: every inbox
message and delivery written and every due delivery handed to the broker. It prints the
figures and fails (exit 1) when the fan-out takes 10 s or more, or when the notice board
page's SQL query count grows with the number of notices."""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

LIMIT_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from allauth.socialaccount.models import SocialAccount
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Community, Residency, User
    from notices import services
    from notices.models import Delivery, Message, Notice, PushSettings, PushSubscription

    call_command("migrate", verbosity=0)
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    PushSettings.objects.update_or_create(pk=1, defaults={"quiet_hours_enabled": False})
    community = Community.objects.annotate(n=Count("buildings__rooms")).order_by("-n").first()
    residents = list(
        Residency.objects.filter(status="verified", room__building__community=community)
        .values_list("user_id", flat=True)
        .distinct()
    )
    PushSubscription.objects.filter(endpoint__startswith="https://bench.push/").delete()
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                user_id=pk, endpoint=f"https://bench.push/{pk}", p256dh="bench", auth="bench"
            )
            for pk in residents[::3]
        ]
    )
    SocialAccount.objects.bulk_create(
        [
            SocialAccount(user_id=pk, provider="weixin_mp", uid=f"bench-{pk}")
            for pk in residents[::5]
        ],
        ignore_conflicts=True,
    )
    staff = User.objects.get(mobile="13800000001")
    Notice.objects.filter(title__startswith="[bench]").delete()

    notice = Notice(
        community=community,
        title="[bench] 全小区停水通知",
        body="<p>明日 9:00–17:00 管道检修，全小区停水。</p>",
        importance="urgent",
    )
    # Publishing: the staff request (the fan-out is queued after commit, so run it here).
    started = time.monotonic()
    services.notice_save(notice=notice, actor=staff, buildings=[], publish="now")
    request_seconds = time.monotonic() - started
    started = time.monotonic()
    services.notice_fan_out(notice_id=notice.pk)
    fan_out_seconds = time.monotonic() - started
    messages = Message.objects.filter(object_id=str(notice.pk), event="notice.published")
    deliveries = Delivery.objects.filter(message__in=messages)
    by_channel = dict(deliveries.values_list("channel").annotate(n=Count("pk")))
    dispatched = deliveries.filter(dispatched_at__isnull=False).count()
    print(
        f"{connection.vendor}: community {community.name}, {len(residents)} residents; "
        f"publish request {request_seconds * 1000:.0f} ms; fan-out {fan_out_seconds:.2f} s: "
        f"{messages.count()} inbox messages, deliveries {by_channel}, "
        f"{dispatched} handed to the broker"
    )

    # The notice board: the same number of queries with 1 and with 40 notices.
    reader = User.objects.get(pk=residents[0])
    client = Client(HTTP_HOST="localhost")
    client.force_login(reader)

    def board_queries() -> tuple[int, float]:
        with CaptureQueriesContext(connection) as captured:
            started = time.monotonic()
            response = client.get("/notices/")
            elapsed = time.monotonic() - started
        assert response.status_code == 200, response.status_code
        return len(captured), elapsed

    few, few_time = board_queries()
    Notice.objects.bulk_create(
        [
            Notice(
                community=community,
                title=f"[bench] 通知 {n}",
                body="<p>内容</p>",
                status="published",
                published_at=notice.published_at,
                fanned_out_at=notice.published_at,
            )
            for n in range(40)
        ]
    )
    many, many_time = board_queries()
    print(
        f"notice board: {few} queries ({few_time * 1000:.0f} ms) with 1 notice, "
        f"{many} queries ({many_time * 1000:.0f} ms) with 41"
    )
    Notice.objects.filter(title__startswith="[bench]").delete()
    failed = fan_out_seconds >= LIMIT_SECONDS or many != few
    if failed:
        print(f"FAILED: fan-out must take < {LIMIT_SECONDS} s and the board a fixed query count")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
