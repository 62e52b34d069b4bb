"""The demo's check-ins: most people of a started activity, once, whatever the day."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Residency
from services.attendance import demo
from services.attendance.selectors import activity_figures

from .attendance_helpers import make_activity, make_signup

pytestmark = pytest.mark.django_db


@pytest.mark.dates
def test_the_demo_checks_in_most_people_of_started_activities(community, resident):
    household = Residency.objects.get(user=resident)
    past = make_activity(community, starts_at=timezone.now() - dt.timedelta(days=3))
    make_signup(past, household, names=["甲", "乙", "丙", "丁", "戊"])
    future = make_activity(community, title="元宵灯谜会")
    make_signup(future, household)
    demo.seed(community)
    demo.seed(community)
    assert activity_figures(past).checked_in == 4
    assert activity_figures(future).checked_in == 0
