import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from accounts.demo import DEMO_TOTP_SECRET
from accounts.models import Community, Residency, Room, User
from accounts.phone import normalize_mobile
from platform_admin.backups.models import BackupRun
from platform_admin.backups.tasks import verify_latest_task
from platform_admin.reports.models import AnalysisReport
from platform_admin.reports.tasks import generate_report
from staff.models import StaffMember
from staff.positions import ALL_POSITIONS

pytestmark = pytest.mark.dates


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.req("X-1")
def test_seed_demo_builds_a_realistic_estate_idempotently(db):
    output = seed(rooms=120)
    assert "13900000001" in output and "linli2026" in output
    counts = (
        Community.objects.count(),
        Room.objects.count(),
        User.objects.count(),
        Residency.objects.count(),
        StaffMember.objects.count(),
    )
    assert counts[0] == 2 and counts[1] == 120
    for community in Community.objects.all():
        served = Group.objects.filter(staff_assignments__community=community).distinct()
        assert set(served.values_list("name", flat=True)) == set(ALL_POSITIONS)
        verified = Residency.objects.filter(
            room__building__community=community, status=Residency.Status.VERIFIED
        )
        assert verified.filter(relation=Residency.Relation.FAMILY).exists()
        assert verified.filter(relation=Residency.Relation.OWNER).count() > 20
    assert Residency.objects.filter(status=Residency.Status.PENDING).exists()
    for mobile in User.objects.values_list("mobile", flat=True):
        assert normalize_mobile(mobile) == mobile

    # The demo's report and its backup's verification wait for the worker, which does them.
    report = AnalysisReport.objects.get()
    backup = BackupRun.objects.get()
    assert report.status == AnalysisReport.Status.QUEUED
    assert backup.status == BackupRun.Status.SUCCEEDED
    assert backup.verification == BackupRun.Verification.NOT_VERIFIED
    generate_report(report.pk)
    verify_latest_task()
    report.refresh_from_db()
    backup.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.file
    # (Restored and compared: whether it matches depends on this test's open transaction, which
    # the dump cannot see on PostgreSQL.)
    assert backup.verified_at is not None

    seed(rooms=120)
    assert counts == (
        Community.objects.count(),
        Room.objects.count(),
        User.objects.count(),
        Residency.objects.count(),
        StaffMember.objects.count(),
    )

    # The demo logins work on the seeded estate (the same seeding: it is the slow part).
    client = Client()
    assert client.login(username="13900000001", password="linli2026")
    assert "1栋1单元101" in client.get("/").content.decode()
    client.logout()
    assert client.login(username="13800000001", password="linli2026")
    body = client.get("/staff/").content.decode()
    assert 'id="community-switcher"' in body


@pytest.mark.real_second_factor
def test_the_demo_operator_and_managers_log_in_with_the_demo_code(db):
    """`make run` stays a demo: the operator's and managers' second factor is the printed demo
    secret, whose current code `manage.py demo_code` shows."""
    output = seed(rooms=40)
    assert DEMO_TOTP_SECRET in output and "demo_code" in output
    for mobile, portal in (("13800000000", "/admin/"), ("13800000001", "/staff/")):
        assert f"{mobile}  " in output
        client = Client()
        response = client.post("/accounts/login/", {"login": mobile, "password": "linli2026"})
        assert response["Location"] == "/accounts/2fa/authenticate/", mobile
        out = StringIO()
        call_command("demo_code", stdout=out)
        code = re.search(r"\d{6}", out.getvalue()).group()
        assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        assert client.get(portal).status_code == 200, mobile
