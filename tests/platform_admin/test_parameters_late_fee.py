"""Late-fee rates are typed in one unit everywhere (PSET-1): per cent a day, in the operators'
template form as in the staff portal's rule form; both store the same fraction."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.admin import FeeRuleTemplateForm
from billing.forms.setup import RuleForm
from billing.models import FeeRule, FeeRuleTemplate
from billing.services import rule_adopt

from ..billing.test_admin import template_data
from ..factories import FeeRuleTemplateFactory

pytestmark = [pytest.mark.req("PSET-1"), pytest.mark.django_db]


def test_0_05_typed_in_the_admin_means_0_05_percent_a_day(client_for, operator):
    response = client_for(operator).post(
        reverse("admin:billing_feeruletemplate_add"),
        template_data(late_fee_daily_percent="0.05", late_fee_cap_percent="10"),
    )
    assert response.status_code == 302
    template = FeeRuleTemplate.objects.get(name="阶梯电费")
    assert template.late_fee_daily_rate == Decimal("0.0005")  # 0.05 %, not 5 %
    assert template.late_fee_cap_rate == Decimal("0.1")


def test_the_admin_and_the_staff_form_agree():
    data = {"late_fee_daily_percent": "0.05", "late_fee_cap_percent": "10"}
    admin_form = FeeRuleTemplateForm(data={**template_data(), **data})
    staff_form = RuleForm(
        data={"name": "物业服务费", "cycle": "monthly", "due_day": "15", **data},
        instance=FeeRule(),
    )
    assert admin_form.is_valid(), admin_form.errors
    assert staff_form.is_valid(), staff_form.errors
    assert admin_form.instance.late_fee_daily_rate == staff_form.instance.late_fee_daily_rate
    assert admin_form.instance.late_fee_cap_rate == staff_form.instance.late_fee_cap_rate
    assert admin_form.fields["late_fee_daily_percent"].label == "每日滞纳金（%）"
    assert str(staff_form.fields["late_fee_daily_percent"].label) == "每日滞纳金（%）"


def test_a_template_shows_its_rates_in_per_cent_and_an_adopted_rule_keeps_them(
    client_for, operator, manager, community
):
    template = FeeRuleTemplateFactory(name="物业服务费模板")
    client = client_for(operator)
    form = (
        client.get(reverse("admin:billing_feeruletemplate_change", args=[template.pk]))
        .context["adminform"]
        .form
    )
    assert form["late_fee_daily_percent"].value() == Decimal("0.05")
    assert str(form["late_fee_cap_percent"].value()) == "10"
    listing = client.get(reverse("admin:billing_feeruletemplate_changelist")).content.decode()
    assert "0.05 %" in listing and "10 %" in listing
    rule = rule_adopt(
        community=community, template=template, valid_from=timezone.localdate(), actor=manager
    )
    assert rule.late_fee_daily_rate == template.late_fee_daily_rate == Decimal("0.0005")
    staff_form = RuleForm(instance=rule)
    assert staff_form.initial["late_fee_daily_percent"] == Decimal("0.05")


def test_the_admin_refuses_a_rate_above_100_percent_in_chinese(client_for, operator):
    response = client_for(operator).post(
        reverse("admin:billing_feeruletemplate_add"),
        template_data(late_fee_daily_percent="150"),
    )
    assert response.status_code == 200
    assert "最多" in response.content.decode()
