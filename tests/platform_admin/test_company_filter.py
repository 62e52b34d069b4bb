"""Operators filter every admin list by property company as well as by community (issue 19),
and the push rules name their events before the codes."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from notices.models import PushRule
from platform_admin.company_filter import CompanyFilter, community_path
from tests.factories import fee_rule

pytestmark = pytest.mark.django_db


def _has_company_filter(model_admin) -> bool:
    return any(
        isinstance(entry, type) and issubclass(entry, CompanyFilter)
        for entry in model_admin.list_filter
    )


@pytest.mark.req("X-1")
def test_every_list_with_a_community_filter_has_a_company_filter():
    missing = []
    for model, model_admin in admin.site._registry.items():
        entries = [e for e in model_admin.list_filter if not _has_company_filter_entry(e)]
        if community_path(model, entries) and not _has_company_filter(model_admin):
            missing.append(model._meta.label)
    assert missing == []
    assert _has_company_filter(admin.site._registry[_model("billing.Bill")])


def _has_company_filter_entry(entry) -> bool:
    return isinstance(entry, type) and issubclass(entry, CompanyFilter)


def _model(label):
    from django.apps import apps

    return apps.get_model(label)


@pytest.mark.req("X-1")
def test_bills_are_filtered_by_company(
    client_for, operator, manager, community, room, other_community, outsider_room,
    outsider_staff,
):  # fmt: skip
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for place, actor in ((community, manager), (other_community, outsider_staff)):
        rule = fee_rule(place, name="物业服务费", unit_price="2.80")
        run = billing_services.run_create(
            community=place, fee_rules=[rule], month=last_month, actor=actor
        )
        billing_services.run_publish(run=run, actor=actor)
    client = client_for(operator)
    url = reverse("admin:billing_bill_changelist")

    page = client.get(url, {"company": community.company.pk})

    assert page.status_code == 200
    assert [bill.room for bill in page.context["cl"].result_list] == [room]
    body = page.content.decode()
    assert community.company.name in body and other_community.company.name in body
    assert client.get(url, {"company": "x"}).status_code == 200  # ignored, not an error page
    readings = client.get(reverse("admin:billing_meterreading_changelist"), {"company": 1})
    assert readings.status_code == 200


@pytest.mark.req("PSET-1", "X-2")
def test_push_rules_show_the_event_name_before_its_code(client_for, operator):
    assert PushRule.objects.filter(event="repair.assigned").exists()
    client = client_for(operator)
    page = client.get(reverse("admin:notices_pushrule_changelist"), {"event": "repair.assigned"})
    body = page.content.decode()
    assert '<th class="field-event_name">' in body
    assert "有报修单派给您（repair.assigned）</a></th>" in body
    rule = PushRule.objects.filter(event="repair.assigned").first()
    form = client.get(reverse("admin:notices_pushrule_change", args=[rule.pk])).content.decode()
    assert "有报修单派给您（repair.assigned）" in form
