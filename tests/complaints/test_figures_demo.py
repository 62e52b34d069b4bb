"""The figures part of seed_demo: the demo community's departments get the demo staff as
members, once; what staff change later is left alone."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Community
from complaints.models import Department

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_demo_departments_have_members_once():
    call_command("seed_demo", rooms=60, quiet=True, stdout=StringIO())
    community = Community.objects.order_by("pk").first()
    members = {
        d.name: sorted(m.user.display_name for m in d.members.all())
        for d in Department.objects.filter(community=community)
    }
    assert members["客服"] == sorted(["林小雅", "赵晓雨"])
    assert members["工程"] == sorted(["吴国强", "郑海涛"])
    support = Department.objects.get(community=community, name="客服")
    support.members.remove(support.members.first())
    call_command("seed_demo", rooms=60, quiet=True, stdout=StringIO())
    assert support.members.count() == 1  # left as staff changed it
