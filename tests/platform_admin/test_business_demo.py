"""The business statistics' demo (PSTA-2): a year of history in both communities, once."""

import pytest
from django.utils import timezone

from platform_admin.business.demo import seed_business
from platform_admin.business.selectors import business_figures
from platform_admin.scope import Period
from tests.factories import household_in

pytestmark = [pytest.mark.req("PSTA-2"), pytest.mark.django_db]


@pytest.mark.dates
def test_the_demo_gives_both_communities_a_year_and_runs_once(community, other_community):
    for place in (community, other_community):
        for _ in range(3):
            household_in(place)
    assert seed_business([community, other_community]) > 0
    assert seed_business([community, other_community]) == 0
    today = timezone.localdate()
    period = Period("range", today - timezone.timedelta(days=366), today)
    figures = business_figures([community, other_community], period)
    for place in (community, other_community):
        assert figures[place.pk].activities == 24
        assert figures[place.pk].activity_attendance > 0
        assert figures[place.pk].repairs == 120
        assert figures[place.pk].complaints == 60
        assert figures[place.pk].complaint_satisfaction is not None
        assert figures[place.pk].suggestions == 12
