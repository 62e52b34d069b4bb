"""The analysis reports' pages in a browser (PSTA-3): the operators' list with a report being
generated and finished ones, a report's findings, and the managers' page; under the pages'
Content-Security-Policy (the progress script is a static file)."""

import datetime as dt
import shutil

import pytest
import time_machine
from django.urls import reverse

from platform_admin.reports import services, sources
from platform_admin.reports.models import AnalysisReport
from tests.factories import CommunityFactory, StaffMemberFactory, analysis_report
from tests.platform_admin.test_reports_generation import stand_in_figures

from .support import SHOTS, shot

pytestmark = pytest.mark.req("PSTA-3")

DESK = {"width": 1366, "height": 900}


@pytest.fixture
def reports(transactional_db, monkeypatch, community, positions):
    monkeypatch.setattr(
        sources, "figures_of", lambda scope, period: stand_in_figures(scope.communities(), period)
    )
    CommunityFactory(company=community.company, name="金桂苑")
    with time_machine.travel(dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC), tick=False):
        made = [
            analysis_report(community=community, status=AnalysisReport.Status.QUEUED),
            analysis_report(company=community.company, status=AnalysisReport.Status.QUEUED),
        ]
        for report in made:
            services.report_generate(report_id=report.pk, send=False)
    running = analysis_report(community=community, status=AnalysisReport.Status.RUNNING)
    AnalysisReport.objects.filter(pk=running.pk).update(
        progress=55, progress_label="正在绘制图表并排版"
    )
    return made


def keep(name):
    target = SHOTS.parent.parent.parent / "notes" / "shots" / "reports"
    if target.parent.exists():
        target.mkdir(exist_ok=True)
        shutil.copy(SHOTS / f"{name}.png", target / f"{name}.png")


def test_operators_list_and_detail(open_page, live_server, operator, reports):
    page = open_page(size="desk", user=operator, csp=True)
    page.set_viewport_size(DESK)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text
            and errors.append(message.text))  # fmt: skip
    page.goto(live_server.url + reverse("admin:platform_reports"))
    assert page.locator("text=正在绘制图表并排版").count() == 1
    assert page.locator("text=已生成").count() >= 2
    shot(page, "reports-operator-list")
    keep("reports-operator-list")
    page.goto(live_server.url + reverse("admin:platform_report", args=[reports[1].pk]))
    assert page.locator("text=收缴率最高的是翠湖花园").count() == 1
    shot(page, "reports-operator-detail")
    keep("reports-operator-detail")
    assert not errors, errors


def test_managers_page(open_page, live_server, community, reports):
    manager = StaffMemberFactory(communities=[community], position_name="经理").user
    page = open_page(size="desk", user=manager, csp=True)
    page.set_viewport_size(DESK)
    page.goto(live_server.url + reverse("reports_staff:list"))
    assert page.locator("text=下载 PDF").count() == 2
    shot(page, "reports-staff-list")
    keep("reports-staff-list")
