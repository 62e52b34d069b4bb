"""Billing periods as residents read them (kit.templatetags.periods): one month as a month,
other periods as a range in Chinese dates."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from kit.templatetags.periods import period_label

pytestmark = pytest.mark.req("BIL-1")

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2026, 11, 1), D(2026, 11, 30), "2026年11月"),
        (D(2026, 12, 1), D(2026, 12, 31), "2026年12月"),
        (D(2028, 2, 1), D(2028, 2, 29), "2028年2月"),  # a leap year's February
        (D(2027, 2, 1), D(2027, 2, 28), "2027年2月"),
        (D(2025, 1, 1), D(2025, 3, 31), "2025年1月至2025年3月"),  # whole months
        (D(2026, 12, 1), D(2027, 1, 31), "2026年12月至2027年1月"),
        (D(2028, 2, 1), D(2028, 2, 28), "2028年2月1日至2028年2月28日"),  # not the 29th
        (D(2026, 11, 15), D(2026, 12, 14), "2026年11月15日至2026年12月14日"),
        (D(2026, 11, 2), D(2026, 11, 30), "2026年11月2日至2026年11月30日"),
        (D(2026, 12, 7), D(2026, 12, 7), "2026年12月7日"),
    ],
)
def test_period_labels_in_chinese(start, end, label):
    with translation.override("zh-hans"):
        assert period_label(start, end) == label


def test_the_filter_reads_any_object_with_a_period():
    class Bill:
        period_start, period_end = D(2026, 11, 1), D(2026, 11, 30)

    template = Template("{% load periods %}{{ bill|period }}|{{ nothing|period }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"bill": Bill(), "nothing": None})) == "2026年11月|"
    with translation.override("en"):
        assert template.render(Context({"bill": Bill()})) == "November 2026|"
