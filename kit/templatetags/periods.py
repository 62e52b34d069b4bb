"""Billing periods as residents read them: ``{% load periods %}{{ bill|period }}``.

A period of one whole calendar month reads as that month (``2026年11月``), not as the range of
its first and last day; whole months in a row read as a range of months
(``2026年1月至2026年3月``); any other period as a range of dates in the page's date format
(``2026年11月15日至2026年12月14日``). Anything with ``period_start`` and ``period_end`` (a bill,
a bill run) can be passed. Python code that writes a period into text (PDFs, messages) calls
:func:`period_label` too.
"""

import calendar
import datetime as dt

from django import template
from django.utils.formats import date_format
from django.utils.translation import pgettext

register = template.Library()


def _first_of_month(day: dt.date) -> bool:
    return day.day == 1


def _last_of_month(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def period_label(start: dt.date, end: dt.date) -> str:
    if _first_of_month(start) and _last_of_month(end):
        if (start.year, start.month) == (end.year, end.month):
            return date_format(start, "YEAR_MONTH_FORMAT")
        first, last = date_format(start, "YEAR_MONTH_FORMAT"), date_format(end, "YEAR_MONTH_FORMAT")
    elif start == end:
        return date_format(start, "DATE_FORMAT")
    else:
        first, last = date_format(start, "DATE_FORMAT"), date_format(end, "DATE_FORMAT")
    return pgettext("period", "%(start)s to %(end)s") % {"start": first, "end": last}


@register.filter
def period(value) -> str:
    """``{{ bill|period }}``: the period of anything with `period_start` and `period_end`."""
    start, end = getattr(value, "period_start", None), getattr(value, "period_end", None)
    if start is None or end is None:
        return ""
    return period_label(start, end)
