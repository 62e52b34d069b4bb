"""Scheduled notices are published once even when the sweep runs in several workers at the
same moment: the conditional UPDATE (scheduled → published) lets one caller through
(notices.services.notices_publish_due)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notices import services
from notices.models import Notice
from platform_admin.models import AuditEntry
from tests.factories import NoticeFactory

pytestmark = [pytest.mark.req("SNOT-1")]

WORKERS = 4
NOTICES = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (SELECT … FOR UPDATE) and serialises writers with a file "
    "lock, so concurrent sweeps cannot race there; run with DATABASE_URL=postgres://…",
)
def test_concurrent_sweeps_publish_each_scheduled_notice_once(community):
    now = timezone.now()
    notices = [
        NoticeFactory(
            community=community,
            status=Notice.Status.SCHEDULED,
            publish_at=now - dt.timedelta(minutes=1),
        )
        for _ in range(NOTICES)
    ]
    barrier = threading.Barrier(WORKERS)
    published, errors = [], []

    def sweep():
        try:
            barrier.wait()
            published.append(services.notices_publish_due(now))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(published) == NOTICES, published
    assert AuditEntry.objects.filter(action="notice.published").count() == NOTICES
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.PUBLISHED}
    assert {notice.pk for notice in notices} == set(Notice.objects.values_list("pk", flat=True))
