"""Fee rules in the staff portal: adopting platform templates, terms typed in per cent, prices
by date that never change a bill already made (PSET-1, SBIL-1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Bill, FeePrice, FeeRule
from kit.audit import entries_for
from tests.factories import FeeRuleTemplateFactory, fee_rule

pytestmark = pytest.mark.django_db


def first_of_next_month():
    return (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def rule_data(**overrides):
    data = {
        "name": "物业服务费",
        "cycle": "monthly",
        "due_day": "15",
        "late_fee_daily_percent": "0.05",
        "late_fee_cap_percent": "10",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- The list and adopting templates ---------------------------------------------------------------


@pytest.mark.req("PSET-1")
def test_the_rules_page_shows_rules_and_templates_not_yet_adopted(
    client_for, manager, community, other_community, property_rule
):
    adopted = FeeRuleTemplateFactory(name="住宅物业费")
    property_rule.template = adopted
    property_rule.save()
    offered = FeeRuleTemplateFactory(name="阶梯电费", kind="electricity", unit_price="0.538",
                                     tiers=[["200", "0.538"], ["", "0.838"]])  # fmt: skip
    foreign = fee_rule(other_community, name="外小区物业费")
    FeePrice.objects.create(rule=property_rule, valid_from=first_of_next_month(),
                            unit_price=Decimal("3.00"))  # fmt: skip

    response = client_for(manager).get(reverse("billing_staff:rules"))

    assert response.status_code == 200
    page = response.content.decode()
    row = response.context["rule_rows"][0]
    assert row.rule == property_rule
    assert row.current.price.unit_price == Decimal("2.80")
    assert row.upcoming.price.unit_price == Decimal("3.00")
    assert "¥2.80" in page and "¥3.00" in page and "0.05%" in page and "10%" in page
    assert [r.template for r in response.context["template_rows"]] == [offered]
    assert "阶梯电费" in page and "¥0.838" in page
    assert "外小区物业费" not in page
    assert reverse("billing_staff:rule_edit", args=[foreign.pk]) not in page


@pytest.mark.req("PSET-1")
def test_a_manager_adopts_a_platform_template(client_for, manager, community):
    template = FeeRuleTemplateFactory(name="物业服务费", unit_price="2.50", due_day=10)
    valid_from = first_of_next_month()

    response = client_for(manager).post(
        reverse("billing_staff:rule_adopt"),
        {"template": template.pk, "name": "住宅物业费", "valid_from": f"{valid_from:%Y-%m-%d}"},
    )

    rule = FeeRule.objects.get(community=community)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_staff:rule_edit", args=[rule.pk])
    assert (rule.name, rule.template, rule.due_day) == ("住宅物业费", template, 10)
    price = rule.prices.get()
    assert (price.valid_from, price.unit_price) == (valid_from, Decimal("2.50"))
    assert entries_for(rule).get().action == "billing.rule_adopted"


def test_adopting_under_a_name_in_use_keeps_what_was_typed(
    client_for, manager, community, property_rule
):
    template = FeeRuleTemplateFactory(name="物业费模板")
    response = client_for(manager).post(
        reverse("billing_staff:rule_adopt"),
        {"template": template.pk, "name": "物业服务费", "valid_from": "2031-02-01"},
    )
    assert response.status_code == 400
    form = response.context["bound_adopt"]
    assert "name" in form.errors
    assert form["valid_from"].value() == "2031-02-01"
    assert FeeRule.objects.filter(community=community).count() == 1


def test_a_template_cannot_be_adopted_twice(client_for, manager, community):
    template = FeeRuleTemplateFactory(name="物业费模板")
    client = client_for(manager)
    data = {"template": template.pk, "name": "物业费", "valid_from": "2031-02-01"}
    assert client.post(reverse("billing_staff:rule_adopt"), data).status_code == 302
    again = client.post(reverse("billing_staff:rule_adopt"), {**data, "name": "物业费二"})
    assert again.status_code == 400
    assert FeeRule.objects.filter(community=community).count() == 1


def test_the_rules_page_runs_a_bounded_number_of_queries(client_for, manager, community):
    client = client_for(manager)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("billing_staff:rules")).status_code == 200
        return len(captured)

    fee_rule(community, name="物业服务费")
    FeeRuleTemplateFactory()
    count_queries()  # the first request fills the cached badges (kit/cache.py)
    few = count_queries()
    for number in range(6):
        rule = fee_rule(community, name=f"固定费{number}", kind="fixed")
        FeePrice.objects.create(rule=rule, valid_from=dt.date(2030, 1, 1), unit_price=1)
        FeeRuleTemplateFactory()
    assert count_queries() == few


# --- Editing a rule --------------------------------------------------------------------------------


def test_rates_are_typed_in_per_cent_and_stored_as_fractions(client_for, manager, property_rule):
    url = reverse("billing_staff:rule_edit", args=[property_rule.pk])
    client = client_for(manager)
    form = client.get(url).context["rule_form"]
    assert form["late_fee_daily_percent"].value() == Decimal("0.05")
    assert str(form["late_fee_cap_percent"].value()) == "10"

    response = client.post(
        url,
        rule_data(late_fee_daily_percent="0.035", late_fee_cap_percent="12.5", due_day="20",
                  cycle="quarterly"),
    )  # fmt: skip

    assert response.status_code == 302
    property_rule.refresh_from_db()
    assert property_rule.late_fee_daily_rate == Decimal("0.00035")
    assert property_rule.late_fee_cap_rate == Decimal("0.125")
    assert (property_rule.due_day, property_rule.cycle) == (20, "quarterly")
    assert entries_for(property_rule).filter(action="billing.rule_saved").exists()


def test_bad_terms_are_shown_and_nothing_typed_is_lost(client_for, manager, property_rule):
    response = client_for(manager).post(
        reverse("billing_staff:rule_edit", args=[property_rule.pk]),
        rule_data(name="新名字", due_day="31", late_fee_daily_percent="0.0001",
                  late_fee_cap_percent="150"),
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["rule_form"]
    assert {"due_day", "late_fee_daily_percent", "late_fee_cap_percent"} <= set(form.errors)
    assert form["name"].value() == "新名字"
    page = response.content.decode()
    assert "<title>物业服务费" in page  # the heading keeps the stored name
    property_rule.refresh_from_db()
    assert (property_rule.name, property_rule.due_day) == ("物业服务费", 15)
    assert property_rule.late_fee_daily_rate == Decimal("0.0005")


def test_the_edit_page_shows_the_price_history(client_for, manager, property_rule, cashier):
    FeePrice.objects.create(rule=property_rule, valid_from=dt.date(2024, 1, 1),
                            unit_price=Decimal("2.95"), created_by=manager)  # fmt: skip
    FeePrice.objects.create(rule=property_rule, valid_from=first_of_next_month(),
                            unit_price=Decimal("3.10"), created_by=manager)  # fmt: skip
    response = client_for(manager).get(reverse("billing_staff:rule_edit", args=[property_rule.pk]))
    states = [(row.price.unit_price, row.state) for row in response.context["price_rows"]]
    assert states == [
        (Decimal("3.10"), "upcoming"),
        (Decimal("2.95"), "current"),
        (Decimal("2.80"), "past"),
    ]
    page = response.content.decode()
    assert "¥3.10" in page and "¥2.95" in page
    assert manager.get_full_name() in page


# --- Prices by date --------------------------------------------------------------------------------


@pytest.mark.req("PSET-1")
def test_a_new_price_never_changes_existing_bills_and_is_used_next_time(
    client_for, manager, community, room, property_rule, published_bill, last_month
):
    assert published_bill.amount == Decimal("275.80")  # 98.50 m² × 2.80
    this_month = timezone.localdate().replace(day=1)

    response = client_for(manager).post(
        reverse("billing_staff:price_add", args=[property_rule.pk]),
        {"valid_from": f"{this_month:%Y-%m-%d}", "unit_price": "3.00"},
    )

    assert response.status_code == 302
    published_bill.refresh_from_db()
    assert published_bill.amount == Decimal("275.80")
    assert [line.unit_price for line in published_bill.lines.all()] == [Decimal("2.8000")]
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=this_month, actor=manager
    )
    assert run.bills.get(room=room).amount == Decimal("295.50")  # 98.50 × 3.00
    assert Bill.objects.get(pk=published_bill.pk).amount == Decimal("275.80")
    assert entries_for(property_rule).filter(action="billing.price_set").exists()


@pytest.mark.req("PSET-1")
def test_a_price_inside_a_billed_period_is_refused_with_the_reason(
    client_for, manager, property_rule, published_bill, last_month
):
    inside = last_month + dt.timedelta(days=10)
    response = client_for(manager).post(
        reverse("billing_staff:price_add", args=[property_rule.pk]),
        {"valid_from": f"{inside:%Y-%m-%d}", "unit_price": "3.30"},
    )
    assert response.status_code == 400
    form = response.context["price_form"]
    assert "valid_from" in form.errors
    assert form["unit_price"].value() == "3.30"
    assert property_rule.prices.count() == 1
    assert published_bill.period_end.strftime("%Y-%m-%d") in response.content.decode()


def test_tiered_prices_are_entered_as_rows(client_for, manager, community):
    rule = fee_rule(community, kind="electricity", name="电费", unit_price="0.60")
    valid_from = first_of_next_month()
    response = client_for(manager).post(
        reverse("billing_staff:price_add", args=[rule.pk]),
        {
            "valid_from": f"{valid_from:%Y-%m-%d}",
            "tier_1_upto": "200", "tier_1_price": "0.538",
            "tier_2_upto": "400", "tier_2_price": "0.588",
            "tier_3_upto": "", "tier_3_price": "0.838",
        },
    )  # fmt: skip
    assert response.status_code == 302
    price = rule.prices.get(valid_from=valid_from)
    assert price.tiers == [["200", "0.538"], ["400", "0.588"], ["", "0.838"]]
    assert price.unit_price == Decimal("0.538")
    page = client_for(manager).get(reverse("billing_staff:rule_edit", args=[rule.pk]))
    assert "400 kWh" in page.content.decode()


@pytest.mark.parametrize(
    "tiers",
    [
        {"tier_1_upto": "400", "tier_1_price": "0.5", "tier_2_upto": "200", "tier_2_price": "0.6",
         "tier_3_price": "0.9"},  # limits fall
        {"tier_1_upto": "", "tier_1_price": "0.5", "tier_2_upto": "", "tier_2_price": "0.6"},
        {"tier_1_upto": "200", "tier_1_price": "0.5", "tier_2_upto": "400", "tier_2_price": "0.6"},
        {"tier_1_upto": "200", "tier_1_price": "", "tier_2_upto": "", "tier_2_price": "0.6"},
        {"tier_1_upto": "-5", "tier_1_price": "0.5", "tier_2_upto": "", "tier_2_price": "0.6"},
    ],
)  # fmt: skip
def test_bad_tiers_are_refused_and_kept(client_for, manager, community, tiers):
    rule = fee_rule(community, kind="water", name="水费", unit_price="3.2")
    response = client_for(manager).post(
        reverse("billing_staff:price_add", args=[rule.pk]),
        {"valid_from": f"{first_of_next_month():%Y-%m-%d}", "unit_price": "", **tiers},
    )
    assert response.status_code == 400
    form = response.context["price_form"]
    assert form.errors
    assert form["tier_1_price"].value() == tiers["tier_1_price"]
    assert rule.prices.count() == 1


def test_a_price_needs_a_number(client_for, manager, property_rule):
    response = client_for(manager).post(
        reverse("billing_staff:price_add", args=[property_rule.pk]),
        {"valid_from": "", "unit_price": "abc"},
    )
    assert response.status_code == 400
    assert {"valid_from", "unit_price"} <= set(response.context["price_form"].errors)


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rules", "settings"])
def test_front_desk_and_cashiers_cannot_change_rules(client_for, staff_user, cashier, name):
    assert client_for(staff_user).get(reverse(f"billing_staff:{name}")).status_code == 403
    assert client_for(cashier).get(reverse(f"billing_staff:{name}")).status_code == 403


def test_a_cashier_cannot_edit_or_price_a_rule(client_for, cashier, property_rule):
    client = client_for(cashier)
    assert (
        client.get(reverse("billing_staff:rule_edit", args=[property_rule.pk])).status_code == 403
    )
    response = client.post(
        reverse("billing_staff:price_add", args=[property_rule.pk]),
        {"valid_from": "2031-01-01", "unit_price": "9"},
    )
    assert response.status_code == 403
    template = FeeRuleTemplateFactory()
    response = client.post(
        reverse("billing_staff:rule_adopt"),
        {"template": template.pk, "name": "x", "valid_from": "2031-01-01"},
    )
    assert response.status_code == 403
    assert property_rule.prices.count() == 1


def test_another_communitys_rule_is_not_found(client_for, manager, other_community):
    foreign = fee_rule(other_community, name="外小区物业费")
    client = client_for(manager)
    assert client.get(reverse("billing_staff:rule_edit", args=[foreign.pk])).status_code == 404
    assert client.post(
        reverse("billing_staff:rule_edit", args=[foreign.pk]), rule_data()
    ).status_code == 404  # fmt: skip
    response = client.post(
        reverse("billing_staff:price_add", args=[foreign.pk]),
        {"valid_from": "2031-01-01", "unit_price": "9"},
    )
    assert response.status_code == 404
    assert foreign.prices.count() == 1


def test_state_changes_are_post_only(client_for, manager, property_rule):
    client = client_for(manager)
    assert client.get(reverse("billing_staff:rule_adopt")).status_code == 405
    assert (
        client.get(reverse("billing_staff:price_add", args=[property_rule.pk])).status_code == 405
    )
