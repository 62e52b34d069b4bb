"""The main pages under the production Content-Security-Policy in headless Chromium: no
violation is reported, and the scripts moved out of the templates still work (issue 14,
finding 11). The policy is the one of config/settings/base.py, on in every setting; the test
makes sure of that rather than assuming it."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from billing import services as billing_services
from billing.models import Bill
from notices.models import Notice
from repairs.models import RepairOrder, TechnicianPosition
from staff.models import StaffMember
from tests.factories import NoticeFactory, RepairOrderFactory, UserFactory, fee_rule

from .support import submit

# Reported by Chromium in the page (securitypolicyviolation) and on the console.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(open_page):
    """`watched(size, user)`: a page that records CSP violations; `violations(page)` lists
    them (the console's and the page's). Requests leaving the site (map tiles) are answered
    with an empty image: the policy decides whether they are made, not this machine's
    network."""
    console = {}

    def open_(size="phone", user=None):
        page = open_page(size, user, csp=True)
        page.add_init_script(WATCH_VIOLATIONS)
        page.context.route(
            lambda url: (
                not url.startswith("http://localhost") and not url.startswith("http://127.0.0.1")
            ),
            lambda route: route.fulfill(status=204),
        )
        messages = console.setdefault(id(page), [])
        page.on(
            "console",
            lambda message: (
                messages.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        return page

    def violations(page):
        """What was reported since the last call (the page's list starts anew on each load)."""
        page.wait_for_load_state("load")
        messages = console.get(id(page), [])
        found = messages[:] + page.evaluate("window.__cspViolations.splice(0)")
        messages.clear()
        return found

    open_.violations = violations
    return open_


@pytest.fixture
def estate(transactional_db, community, resident, manager, technician, positions):
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rules = [fee_rule(community, name="物业服务费", unit_price="2.80", daily_rate="0")]
    run = billing_services.run_create(
        community=community, fee_rules=rules, month=last_month, actor=manager
    )
    billing_services.run_publish(run=run, actor=manager)
    bill = Bill.objects.get(room__residencies__user=resident)
    household = resident.residencies.get()
    order = RepairOrderFactory(
        household=household,
        technician=StaffMember.objects.get(user=technician),
        status=RepairOrder.Status.IN_PROGRESS,
        share_location=True,
    )
    TechnicianPosition.objects.create(order=order, latitude="31.230416", longitude="121.473701")
    notice = NoticeFactory(
        community=community, status=Notice.Status.PUBLISHED, published_at=timezone.now()
    )
    operator = UserFactory(mobile="13800000000", is_staff=True, is_superuser=True)
    return {"bill": bill, "order": order, "notice": notice, "operator": operator}


def test_the_policy_is_on_in_this_run(client, db):
    # The browser checks below would pass trivially without the middleware.
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    response = client.get("/accounts/login/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_resident_pages_report_no_violation(watched, live_server, estate, resident):
    base = live_server.url
    page = watched("phone", resident)
    visited = []

    for path in ("/", "/repairs/new/", f"/repairs/{estate['order'].pk}/", "/notices/",
                 f"/notices/{estate['notice'].pk}/", "/bills/", f"/bills/{estate['bill'].pk}/",
                 "/bills/trend/", "/bills/history/", "/messages/", "/me/", "/me/rooms/bind/",
                 "/me/family/", "/me/notifications/"):  # fmt: skip
        page.goto(base + path)
        visited.append((path, watched.violations(page)))
    # Web Push's service worker still registers under the policy (worker-src: 'self').
    page.goto(f"{base}/me/notifications/")
    scope = page.evaluate(
        "navigator.serviceWorker.register('/sw.js', {scope: '/'}).then((r) => r.scope)"
    )
    assert scope == f"{base}/"
    visited.append(("service worker", watched.violations(page)))
    # The map of the technician's position was drawn (Leaflet from static files, tiles allowed).
    page.goto(f"{base}/repairs/{estate['order'].pk}/")
    expect(page.locator("#repair-map .leaflet-tile-pane")).to_have_count(1)
    # The pay confirm page, from the bill's pay button.
    page.goto(f"{base}/bills/{estate['bill'].pk}/")
    submit(page, "#bill-pay")
    expect(page.locator("#confirm-pay")).to_be_visible()
    visited.append(("pay confirm", watched.violations(page)))
    # On to the payment sandbox's cashier (the providers' forms and redirects: form-action).
    page.locator("label.method-option", has_text="微信支付").click()
    submit(page, "#confirm-pay")
    expect(page.locator("#sandbox-pay")).to_be_visible()
    visited.append(("sandbox cashier", watched.violations(page)))
    submit(page, "#sandbox-pay")
    expect(page.get_by_text("支付成功")).to_be_visible()
    visited.append(("payment status", watched.violations(page)))

    problems = [f"{path}: {found}" for path, violations in visited for found in violations]
    assert problems == [], "\n".join(problems)


def test_staff_pages_report_no_violation(watched, live_server, estate, manager):
    base = live_server.url
    page = watched("desk", manager)
    visited = []
    for path in ("/staff/", "/staff/repairs/", "/staff/repairs/board/",
                 f"/staff/repairs/{estate['order'].pk}/", "/staff/billing/bills/",
                 f"/staff/billing/bills/{estate['bill'].pk}/", "/staff/notices/",
                 "/staff/notices/new/", f"/staff/notices/{estate['notice'].pk}/",
                 "/staff/billing/reports/", f"/staff/billing/counter/{estate['bill'].room_id}/",
                 "/staff/billing/payments/", "/staff/billing/rules/", "/staff/billing/readings/",
                 "/staff/billing/settings/", "/staff/repairs/performance/",
                 "/staff/repairs/ratings/", "/staff/repairs/categories/new/", "/staff/team/",
                 "/staff/residents/"):  # fmt: skip
        page.goto(base + path)
        visited.append((path, watched.violations(page)))
    # The technician's position on the staff repair page (static/staff/technician-map.js).
    page.goto(f"{base}/staff/repairs/{estate['order'].pk}/")
    expect(page.locator("#technician-map .leaflet-marker-icon")).to_have_count(1)
    # The bills page's selection script (static/staff/bills-selection.js).
    page.goto(f"{base}/staff/billing/bills/")
    page.locator("input[type=checkbox][name=bill]").first.check()
    expect(page.locator("[data-selected-count]").first).to_have_text("1")
    visited.append(("bills selection", watched.violations(page)))

    problems = [f"{path}: {found}" for path, violations in visited for found in violations]
    assert problems == [], "\n".join(problems)


def test_technician_and_login_pages_report_no_violation(watched, live_server, estate, technician):
    base = live_server.url
    visited = []
    page = watched("phone", technician)
    for path in ("/staff/", "/staff/jobs/", f"/staff/jobs/{estate['order'].pk}/"):
        page.goto(base + path)
        visited.append((path, watched.violations(page)))
    guest = watched("phone")
    for path in ("/accounts/login/", "/accounts/login/code/", "/accounts/password/reset/",
                 "/accounts/signup/", "/no-such-page/"):  # fmt: skip
        guest.goto(base + path)
        visited.append((path, watched.violations(guest)))
    problems = [f"{path}: {found}" for path, violations in visited for found in violations]
    assert problems == [], "\n".join(problems)


def test_confirm_asks_without_inline_handlers(watched, live_server, estate, manager):
    """data-confirm (static/shared/page-actions.js) replaced onsubmit="return confirm(…)": "no"
    keeps the notice, "yes" withdraws it."""
    notice = estate["notice"]
    page = watched("desk", manager)
    page.goto(f"{live_server.url}/staff/notices/{notice.pk}/")
    withdraw = page.locator(f"form[action$='/notices/{notice.pk}/withdraw/'] button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    withdraw.click()
    page.wait_for_timeout(300)
    notice.refresh_from_db()
    assert notice.status != Notice.Status.WITHDRAWN
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        withdraw.click()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.WITHDRAWN
    assert watched.violations(page) == []


def test_admin_login_reports_no_violation(watched, live_server, estate):
    page = watched("desk")
    # The admin's login is the site's (its limits and second factor): the page it sends to.
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.locator("form input[name=login]")).to_be_visible()
    found = watched.violations(page)
    page = watched("desk", estate["operator"])
    page.goto(f"{live_server.url}/admin/")
    found += watched.violations(page)
    # django-celery-beat's task form, whose inline script moved to static/platform/.
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
    expect(page.locator(".field-crontab_translation")).to_be_hidden()  # the script ran
    found += watched.violations(page)
    assert found == []


def test_every_admin_page_reports_no_violation(watched, live_server, estate, rf):
    """Each registered model's list, add form and the change form of its first row (third-party
    admins included: allauth, axes, django-celery-beat, guardian's object permissions)."""
    from django.contrib import admin
    from django.urls import reverse

    request = rf.get("/admin/")
    request.user = estate["operator"]
    page = watched("desk", estate["operator"])
    problems, visited = [], 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        paths = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            if hasattr(model_admin, "obj_perms_manage_view"):  # guardian's object permissions
                paths.append(reverse("admin:{}_{}_permissions".format(*info), args=[first.pk]))
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status < 400, (path, response.status)
            problems += [f"{path}: {found}" for found in watched.violations(page)]
            visited += 1
    assert visited > 60
    assert problems == [], "\n".join(problems)
