"""Analysis reports (PSTA-3): the task generates the PDF with the Chinese findings, shows its
progress, records a failure; the monthly schedule makes one report per community, company and
the platform and sends each to the people concerned; the pages are for operators, the staff
page for the managers of the report's community or company."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from kit.models import AuditEntry
from kit.pagecache import is_invalidation
from notices.models import Message
from platform_admin.figures import BusinessFigures, UsageFigures
from platform_admin.reports import services, sources
from platform_admin.reports.findings import ScopeFigures
from platform_admin.reports.models import AnalysisReport
from platform_admin.scope import Period, Scope
from tests.factories import CommunityFactory, StaffMemberFactory, analysis_report

pytestmark = [pytest.mark.req("PSTA-3"), pytest.mark.django_db]

NOVEMBER = dt.date(2026, 11, 1)
# Early December 2026 in Shanghai: November's figures are complete.
NOW = dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC)


def stand_in_figures(communities, period: Period) -> ScopeFigures:
    """Figures as the statistics parts would give them: November busier than October."""
    busy = 2 if period.start.month == 11 else 1
    usage, business = {}, {}
    for index, community in enumerate(communities, start=1):
        business[community.pk] = BusinessFigures(
            repairs=20 * busy + index,
            repairs_overdue=busy * index,
            repair_on_time_rate=Decimal("0.95") - Decimal("0.07") * index,
            billed=Decimal("100000"),
            collected=Decimal("100000") * (Decimal("0.97") - Decimal("0.08") * index),
            collection_rate=Decimal("0.97") - Decimal("0.08") * index,
            complaints=5 * busy,
            complaint_themes=[("噪音扰民", 3 * busy), ("停车管理", 2 * busy)],
            complaint_satisfaction=Decimal("4.5"),
            activities=busy,
            activity_signups=30 * busy,
            activity_attendance=20 * busy,
            attendance_rate=Decimal(2) / Decimal(3),
        )
        usage[community.pk] = UsageFigures(
            signups=10 * busy, verified=8 * busy, residents=300, active_users=100 * busy,
            daily_active_average=Decimal("20"), active_days_per_user=Decimal("4"),
            feature_users={"repairs": 30, "payments": 80, "notices": 90},
            feature_days={"repairs": 40, "payments": 90, "notices": 300},
        )  # fmt: skip
    total_b, total_u = BusinessFigures(), UsageFigures()
    for item in business.values():
        for name in ("repairs", "repairs_overdue", "complaints", "activities",
                     "activity_signups", "activity_attendance"):  # fmt: skip
            setattr(total_b, name, getattr(total_b, name) + getattr(item, name))
        total_b.billed += item.billed
        total_b.collected += item.collected
    if business:
        total_b.collection_rate = total_b.collected / total_b.billed
        total_b.repair_on_time_rate = Decimal("0.85")
        total_b.complaint_themes = [("噪音扰民", 3 * busy * len(business)),
                                    ("停车管理", 2 * busy * len(business))]  # fmt: skip
        total_b.attendance_rate = Decimal(2) / Decimal(3)
    for item in usage.values():
        for name in ("signups", "verified", "residents", "active_users"):
            setattr(total_u, name, getattr(total_u, name) + getattr(item, name))
    total_u.feature_users = {"repairs": 30, "payments": 80, "notices": 90}
    usage[None], business[None] = total_u, total_b
    return ScopeFigures(usage=usage, business=business)


@pytest.fixture
def figures(monkeypatch):
    monkeypatch.setattr(
        sources, "figures_of", lambda scope, period: stand_in_figures(scope.communities(), period)
    )


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def queued(callbacks) -> list:
    """The on_commit callbacks that queue a task, not kit.pagecache's invalidations."""
    return [callback for callback in callbacks if not is_invalidation(callback)]


def pdf_text(report: AnalysisReport) -> str:
    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_report_pdf_holds_the_chinese_findings(figures, clock, community, positions):
    report = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE
    assert report.progress == 100 and report.finished_at is not None
    assert report.findings and all(item["text"] for item in report.findings)
    with report.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 3  # cover, figures and findings, charts
    text = pdf_text(report).replace("\n", "")
    assert "2026年11月运营分析月度报告" in text or "2026年11月" in text
    assert "翠湖花园" in text and "一、主要指标" in text and "二、分析结论" in text
    assert "第2页" in text
    # Every finding is in the PDF (the text layer may break lines inside a sentence).
    for item in report.findings:
        assert item["text"][:12] in text, item["text"]
    assert "各小区主要指标" not in text  # one community: no table by community


def test_a_company_report_ranks_its_communities(figures, clock, community, positions):
    other = CommunityFactory(company=community.company, name="金桂苑")
    report = analysis_report(company=community.company, status=AnalysisReport.Status.QUEUED)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    texts = " ".join(item["text"] for item in report.findings)
    assert "收缴率最高的是翠湖花园" in texts and f"最低的是{other.name}" in texts
    assert "各小区主要指标" in pdf_text(report)


def test_progress_steps_and_idempotence(figures, clock, community, monkeypatch):
    seen = []
    original = services._step

    def watch(report, step):
        original(report, step)
        stored = AnalysisReport.objects.get(pk=report.pk)
        seen.append((stored.status, stored.progress, stored.progress_label))

    monkeypatch.setattr(services, "_step", watch)
    report = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    services.report_generate(report_id=report.pk)
    assert [progress for _status, progress, _label in seen] == [10, 40, 55, 85, 95]
    assert all(status == "running" for status, _progress, _label in seen)
    assert seen[0][2] == "正在汇总数据"
    report.refresh_from_db()
    name = report.file.name
    # Again (a retried task): nothing is generated or sent twice.
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.file.name == name and len(seen) == 5


def test_the_celery_task_generates_the_report(figures, clock, community):
    from platform_admin.reports.tasks import generate_report

    report = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    generate_report.apply(args=[report.pk]).get()
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.file


def test_an_operators_own_report_is_not_sent(figures, clock, community, operator, manager):
    report = analysis_report(community=community, status="queued", created_by=operator)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.sent_at is None
    assert not Message.objects.filter(event="analysis_report.ready").exists()


def test_a_failure_is_recorded_and_the_operators_alerted(
    clock, community, monkeypatch, operator, manager
):
    def broken(scope, period):
        raise RuntimeError("statistics unavailable")

    monkeypatch.setattr(sources, "figures_of", broken)
    report = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.FAILED
    assert report.error == "RuntimeError: statistics unavailable"
    assert not report.file
    alert = Message.objects.get(event="analysis_report.failed")
    assert alert.recipient == operator  # the operators, not the community's manager
    assert "statistics unavailable" in alert.body and "分析报告" in alert.body
    # Fixed, the same report can be generated again.
    monkeypatch.setattr(
        sources, "figures_of", lambda scope, period: stand_in_figures(scope.communities(), period)
    )
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.error == ""


def test_the_monthly_schedule_reports_on_everyone_and_tells_the_right_people(
    figures, clock, community, positions, operator, django_capture_on_commit_callbacks
):
    sister = CommunityFactory(company=community.company, name="金桂苑")
    elsewhere = CommunityFactory(name="别家小区")
    manager = StaffMemberFactory(communities=[community], position_name="经理").user
    sister_manager = StaffMemberFactory(communities=[sister], position_name="经理").user
    front_desk = StaffMemberFactory(communities=[community], position_name="客服").user
    other_manager = StaffMemberFactory(communities=[elsewhere], position_name="经理").user

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = services.monthly_reports_schedule()
    assert len(queued(callbacks)) == len(created)
    # The platform, two companies, three communities; last month.
    assert len(created) == 6
    assert {(r.period_start, r.period_end, r.kind) for r in created} == {
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), "month")
    }
    assert {(r.company_id, r.community_id) for r in created} == {
        (None, None),
        (community.company_id, None),
        (elsewhere.company_id, None),
        (community.company_id, community.pk),
        (community.company_id, sister.pk),
        (elsewhere.company_id, elsewhere.pk),
    }
    assert services.monthly_reports_schedule() == []  # once a month
    for report in created:
        services.report_generate(report_id=report.pk)

    def told(user):
        return set(
            Message.objects.filter(recipient=user, event="analysis_report.ready").values_list(
                "object_id", flat=True
            )
        )

    def report_of(company=None, community=None):
        return str(AnalysisReport.objects.get(company=company, community=community).pk)

    company_report = report_of(company=community.company)
    assert told(manager) == {report_of(community.company, community), company_report}
    assert told(sister_manager) == {report_of(community.company, sister), company_report}
    assert told(other_manager) == {
        report_of(elsewhere.company, elsewhere),
        report_of(company=elsewhere.company),
    }
    assert told(front_desk) == set()  # no report permission
    assert told(operator) == {report_of()}
    message = Message.objects.get(recipient=manager, object_id=company_report)
    assert message.url == reverse("reports_staff:list")
    assert "分析报告" in message.title


def test_operators_generate_and_follow_a_report(
    client_for, operator, community, django_capture_on_commit_callbacks, clock
):
    client = client_for(operator)
    url = reverse("admin:platform_reports")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"kind": "month", "day": "2026-11-15", "company": "",
                                     "community": community.pk})  # fmt: skip
    assert response.status_code == 302
    report = AnalysisReport.objects.get()
    assert (report.community, report.company, report.created_by) == (
        community, community.company, operator)  # fmt: skip
    assert (report.period_start, report.period_end) == (NOVEMBER, dt.date(2026, 12, 1))
    assert len(queued(callbacks)) == 1
    assert AuditEntry.objects.filter(action="analysis_report.requested", actor=operator).exists()
    body = client.get(url).content.decode()
    assert "翠湖花园" in body and "排队中" in body
    progress = client.get(reverse("admin:platform_reports_progress"), {"ids": str(report.pk)})
    assert progress.json()["reports"][0]["progress"] == 0
    assert client.get(reverse("admin:platform_report", args=[report.pk])).status_code == 200
    # Not finished: no file yet.
    download = reverse("admin:platform_report_download", args=[report.pk])
    assert client.get(download).status_code == 404


def test_the_form_refuses_a_period_not_ended_and_a_community_of_another_company(
    client_for, operator, community, other_community, clock
):
    response = client_for(operator).post(
        reverse("admin:platform_reports"),
        {"kind": "month", "day": "2026-12-01", "company": other_community.company_id,
         "community": community.pk},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "这个期间尚未结束" in body
    assert "该小区属于另一家物业公司" in body
    assert AnalysisReport.objects.count() == 0


def test_a_finished_report_shows_its_findings_and_downloads(client_for, operator, community):
    report = analysis_report(community=community)
    client = client_for(operator)
    body = client.get(reverse("admin:platform_report", args=[report.pk])).content.decode()
    assert report.findings[0]["text"] in body
    response = client.get(reverse("admin:platform_report_download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_operator_pages_are_for_operators_only(client_for, manager, resident, community):
    report = analysis_report(community=community)
    for user in (manager, resident):
        client = client_for(user)
        for url in (
            reverse("admin:platform_reports"),
            reverse("admin:platform_report", args=[report.pk]),
            reverse("admin:platform_report_download", args=[report.pk]),
            reverse("admin:platform_reports_progress"),
        ):
            response = client.get(url)
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert "login" in response["Location"]


def test_the_staff_page_shows_the_community_and_company_reports_only(
    client_for, manager, community, positions
):
    sister = CommunityFactory(company=community.company, name="金桂苑")
    own = analysis_report(community=community)
    company = analysis_report(company=community.company)
    sisters = analysis_report(community=sister)
    platform = analysis_report()
    foreign = analysis_report(community=CommunityFactory(name="别家小区"))
    queued = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    client = client_for(manager)
    body = client.get(reverse("reports_staff:list")).content.decode()
    for report in (own, company):
        assert reverse("reports_staff:pdf", args=[report.pk]) in body
    for report in (sisters, platform, foreign, queued):
        assert reverse("reports_staff:pdf", args=[report.pk]) not in body
        response = client.get(reverse("reports_staff:pdf", args=[report.pk]))
        assert response.status_code == 404
    response = client.get(reverse("reports_staff:pdf", args=[company.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_staff_without_the_permission_cannot_open_reports(client_for, technician, community):
    report = analysis_report(community=community)
    client = client_for(technician)
    assert client.get(reverse("reports_staff:list")).status_code == 403
    assert client.get(reverse("reports_staff:pdf", args=[report.pk])).status_code == 403


def test_the_list_asks_a_bounded_number_of_queries(
    client_for, operator, community, django_assert_max_num_queries
):
    client = client_for(operator)
    analysis_report(community=community)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("admin:platform_reports"))
    for _ in range(15):
        analysis_report(company=community.company, created_by=operator)
        analysis_report(community=CommunityFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:platform_reports"))


def test_end_to_end_with_the_statistics_selectors(clock, community, positions):
    """The usage and business parts' selectors feed the report."""
    report = analysis_report(community=community, status=AnalysisReport.Status.QUEUED)
    current, previous = sources.figures_for(Scope(community.company, community), report.period)
    assert None in current.business and None in previous.usage
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE, report.error
    assert "一、主要指标" in pdf_text(report)
