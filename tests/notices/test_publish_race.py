"""Scheduled notices are published once even when the sweep runs in several workers at the
same moment: the conditional UPDATE (scheduled → published) lets one caller through
(notices.services.notices_publish_due)."""

import datetime as dt

import pytest
from django.utils import timezone

from kit.models import AuditEntry
from notices import services
from notices.models import Notice
from tests.factories import NoticeFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SNOT-1")]

WORKERS = 4
NOTICES = 8


@pytest.mark.django_db(transaction=True)
@postgres_only
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
    published = at_once([lambda: services.notices_publish_due(now)] * WORKERS)
    assert sum(published) == NOTICES, published
    assert AuditEntry.objects.filter(action="notice.published").count() == NOTICES
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.PUBLISHED}
    assert {notice.pk for notice in notices} == set(Notice.objects.values_list("pk", flat=True))
