"""The community's reminder days (BIL-5 settings), kept by the manager."""

import pytest
from django.urls import reverse

from billing.models import BillingSettings
from kit.audit import entries_for

pytestmark = pytest.mark.django_db

URL = reverse("billing_staff:settings")


def test_the_settings_page_shows_the_defaults_and_an_example(client_for, manager, community):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["remind_days_before"].value(), form["remind_days_after"].value()) == (
        "7,3",
        "1,15",
    )
    example = response.context["example"]
    assert [days for days, _day in example["before"]] == [7, 3]
    assert [days for days, _day in example["after"]] == [1, 15]


@pytest.mark.req("BIL-5")
def test_a_manager_sets_the_reminder_days(client_for, manager, community):
    response = client_for(manager).post(
        URL, {"remind_days_before": "3， 14、7", "remind_days_after": "1,30,1"}
    )
    assert response.status_code == 302
    stored = BillingSettings.objects.get(community=community)
    assert (stored.remind_days_before, stored.remind_days_after) == ("14,7,3", "30,1")
    assert entries_for(community).get(action="billing.settings_saved").actor == manager


def test_empty_means_no_reminders(client_for, manager, community):
    response = client_for(manager).post(URL, {"remind_days_before": "", "remind_days_after": ""})
    assert response.status_code == 302
    stored = BillingSettings.objects.get(community=community)
    assert BillingSettings.parse_days(stored.remind_days_before) == []


@pytest.mark.parametrize("value", ["7,abc", "0", "91", "1,2,3,4,5,6", "-3"])
def test_bad_days_are_refused_and_kept(client_for, manager, community, value):
    response = client_for(manager).post(
        URL, {"remind_days_before": value, "remind_days_after": "2"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "remind_days_before" in form.errors
    assert form["remind_days_before"].value() == value
    assert form["remind_days_after"].value() == "2"
    assert BillingSettings.objects.get(community=community).remind_days_before == "7,3"


def test_settings_are_per_community(
    client_for, manager, outsider_staff, community, other_community
):
    client_for(manager).post(URL, {"remind_days_before": "5", "remind_days_after": "2"})
    response = client_for(outsider_staff).get(URL)
    assert response.context["form"]["remind_days_before"].value() == "7,3"
