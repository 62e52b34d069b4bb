"""The billing figures of the work home page (staff.workday): money taken and given back
today, and the arrears (overdue bills, and the households owing them), each linking to the
payments or bills list filtered to exactly those rows."""

import datetime as dt

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from staff.workday import Values, WorkFigure, WorkSource

from .models import Bill, Payment, PaymentRefund
from .reports.filters import OVERDUE
from .reports.queries import _sum, outstanding

VIEW = "billing.view_bill"


def _day(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Today in local time, as a range an index on the timestamp serves."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def figures(community_ids: list[int], now: dt.datetime) -> Values:
    start, end = _day(now)
    today = timezone.localdate(now)
    values: Values = {pk: {} for pk in community_ids}
    for row in (
        Payment.objects.filter(
            community_id__in=community_ids,
            status=Payment.Status.SUCCEEDED,
            paid_at__gte=start,
            paid_at__lt=end,
        )
        .order_by()
        .values("community")
        .annotate(collected=_sum("amount"), payments=Count("pk"))
    ):
        values[row.pop("community")].update(row)
    for row in (
        PaymentRefund.objects.filter(
            payment__community_id__in=community_ids,
            status=PaymentRefund.Status.SUCCEEDED,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .order_by()
        .values("payment__community")
        .annotate(refunded=_sum("amount"), refunds=Count("pk"))
    ):
        values[row.pop("payment__community")].update(row)
    for row in (
        Bill.objects.filter(
            community_id__in=community_ids,
            status__in=Bill.UNPAID_STATUSES,
            due_date__lt=today,
        )
        .order_by()
        .values("community")
        .annotate(arrears=_sum(outstanding()), households=Count("room", distinct=True))
    ):
        values[row.pop("community")].update(row)
    return values


def _today(today: dt.date) -> dict:
    return {"paid_from": today.isoformat(), "paid_until": today.isoformat(), "status": "succeeded"}


SOURCE = WorkSource(
    name="billing",
    group=_("Fees"),
    order=30,
    compute=figures,
    figures=(
        WorkFigure("collected", _("Collected today"), "cash-coin", VIEW, 1,
                   "billing_staff:payments", _today, money=True, detail="payments",
                   detail_label=pgettext_lazy("work figure", "payments"), key=True),
        WorkFigure("refunded", _("Refunded today"), "arrow-counterclockwise", VIEW, 2,
                   "billing_staff:payments",
                   lambda today: {"refunded_on": today.isoformat()},
                   tone="warning", money=True, detail="refunds", detail_label=pgettext_lazy("work figure", "refunds")),
        WorkFigure("arrears", _("Arrears"), "exclamation-triangle", VIEW, 3,
                   "billing_staff:bills", {"status": OVERDUE}, tone="danger", money=True,
                   detail="households", detail_label=pgettext_lazy("work figure", "households"), key=True),
    ),
)  # fmt: skip
