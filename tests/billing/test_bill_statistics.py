import datetime as dt

import pytest
from django.db import connection


@pytest.mark.req("SBIL-2")
@pytest.mark.django_db
def test_postgresql_knows_that_a_bills_status_and_due_date_go_together():
    """The home page's and the bills list's arrears read the status index only with these
    statistics (billing/migrations/0008): without them the planner reads every bill of the
    community (300 ms instead of 12 on the 20,000-room estate)."""
    if connection.vendor != "postgresql":
        pytest.skip("extended statistics are PostgreSQL's; SQLite has no planner statistics")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxkind FROM pg_statistic_ext WHERE stxname = %s",
            ["billing_bill_community_status_due"],
        )
        row = cursor.fetchone()
    assert row is not None
    assert "m" in row[0]  # mcv


@pytest.mark.req("SBIL-2")
@pytest.mark.django_db
def test_the_unpaid_bills_index_covers_exactly_the_unpaid_statuses(community, room):
    """bill_unpaid_due_idx (billing/migrations/0009) serves the staff bills list only while its
    condition is the list's: the statuses Bill.UNPAID_STATUSES names. On PostgreSQL the list's
    first page is then read from it in due-date order (0.3 ms instead of 390 ms on the estate)."""
    from django.db.models import Q

    from billing.models import Bill

    index = next(index for index in Bill._meta.indexes if index.name == "bill_unpaid_due_idx")
    assert index.condition == Q(status__in=[str(status) for status in Bill.UNPAID_STATUSES])
    if connection.vendor != "postgresql":
        return
    unpaid = Bill.objects.filter(community=community, status__in=Bill.UNPAID_STATUSES)
    with connection.cursor() as cursor:
        # A test's few rows: the planner's choice among the indexes is a toss-up unless reading
        # everything and sorting is ruled out, as it is by the estate's size.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = unpaid.order_by("due_date").values("pk")[:25].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bill_unpaid_due_idx" in plan, plan


@pytest.mark.req("SBIL-2")
@pytest.mark.django_db
def test_the_falling_due_index_covers_exactly_what_mark_overdue_moves():
    """bill_falling_due_idx (billing/migrations/0010) holds the bills that can still become
    overdue, so a bill run's drafts cost it nothing; the daily move to 逾期 reads it on
    PostgreSQL only while its condition is the statuses mark_overdue moves."""
    from django.db.models import Q

    from billing.models import Bill

    index = next(index for index in Bill._meta.indexes if index.name == "bill_falling_due_idx")
    assert index.condition == Q(status__in=[str(status) for status in Bill.FALLING_DUE_STATUSES])
    if connection.vendor != "postgresql":
        return
    falling_due = Bill.objects.filter(
        status__in=Bill.FALLING_DUE_STATUSES, due_date__lt=dt.date(2027, 1, 1)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = falling_due.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bill_falling_due_idx" in plan, plan
