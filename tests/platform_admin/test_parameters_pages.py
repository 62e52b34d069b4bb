"""The 平台参数 operator pages (PSET-1): grouped by module in Chinese with units, platform value,
default and company overrides; changes audited; a changed parameter changes behaviour at once;
operators only."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from billing.selectors import billing_settings
from kit import parameters
from kit.models import AuditEntry
from services.parcels import services as parcel_services

from ..factories import CommunityFactory, PropertyCompanyFactory, photo_upload
from ..repairs.conftest import residency  # noqa: F401  (fixture)
from ..repairs.test_resident_create import (  # noqa: F401  (fixtures)
    assert_refused,
    category,
    form_data,
    post,
    slot,
)
from ..services.test_parcels_reminders import MONDAY_9AM, waiting  # noqa: F401

pytestmark = [pytest.mark.req("PSET-1"), pytest.mark.django_db]

INDEX = "admin:platform_parameters"


def edit_url(key: str) -> str:
    return reverse("admin:platform_parameters_edit", kwargs={"key": key})


def test_the_index_groups_parameters_by_module_with_units_and_gathers_the_rest(
    client_for, operator
):
    company = PropertyCompanyFactory(name="安居物业服务有限公司")
    parameters.parameter_set(key="billing.remind_days_before", value=[10, 3], actor=operator)
    parameters.parameter_set(
        key="repairs.accept_within_minutes", value=15, company=company, actor=operator
    )
    response = client_for(operator).get(reverse(INDEX))
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ("平台参数", "缴费", "报修", "投诉建议", "社区服务", "上传"):
        assert heading in body, heading
    assert "到期前提醒" in body and "10、3 天前" in body and "运营设置" in body
    assert "安居物业服务有限公司：15 分钟" in body
    assert "最多" not in body
    for url in (
        reverse("admin:billing_feeruletemplate_changelist"),
        reverse("admin:notices_pushrule_changelist"),
        reverse("admin:notices_pushsettings_changelist"),
        reverse("admin:staff_position_changelist"),
        reverse("admin:staff_positiontemplate_changelist"),
    ):
        assert url in body, url
    # Listed on the admin index under 平台运营.
    index = client_for(operator).get(reverse("admin:index")).content.decode()
    assert reverse(INDEX) in index


def test_the_index_answers_in_a_bounded_number_of_queries(
    client_for, operator, django_assert_max_num_queries
):
    client = client_for(operator)
    client.get(reverse(INDEX))
    with django_assert_max_num_queries(12):
        client.get(reverse(INDEX))
    for n in range(15):
        parameters.parameter_set(
            key="repairs.finish_within_hours", value=10 + n,
            company=PropertyCompanyFactory(), actor=operator,
        )  # fmt: skip
        parameters.parameter_set(
            key="billing.remind_days_after", value=[n + 1], company=PropertyCompanyFactory(),
            actor=operator,
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        assert client.get(reverse(INDEX)).status_code == 200


def test_setting_a_platform_value_is_audited_with_before_and_after(client_for, operator):
    client = client_for(operator)
    page = client.get(edit_url("uploads.max_photos"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "每次上传照片数" in body and "1–9 张" in body
    response = client.post(edit_url("uploads.max_photos"), {"action": "set", "value": "4"})
    assert response.status_code == 302
    assert parameters.get("uploads.max_photos") == 4
    entry = AuditEntry.objects.get(action="kit.parameter_changed")
    assert entry.actor == operator
    assert (entry.data["before"], entry.data["after"]) == ("9", "4")
    assert entry.data["before_display"] == "9 张" and entry.data["after_display"] == "4 张"

    response = client.post(edit_url("uploads.max_photos"), {"action": "reset"})
    assert response.status_code == 302
    assert parameters.get("uploads.max_photos") == 9
    assert AuditEntry.objects.filter(action="kit.parameter_cleared").count() == 1


def test_a_value_out_of_bounds_is_refused_in_chinese_and_kept(client_for, operator):
    response = client_for(operator).post(
        edit_url("complaints.auto_close_days"), {"action": "set", "value": "90"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "最多60天。" in body
    assert 'value="90"' in body
    assert not AuditEntry.objects.exists()


def test_company_overrides_are_added_and_removed(client_for, operator):
    company = PropertyCompanyFactory(name="安居物业服务有限公司")
    client = client_for(operator)
    url = edit_url("repairs.accept_within_minutes")
    response = client.post(
        url, {"action": "add_override", "override-company": company.pk, "override-value": "20"}
    )
    assert response.status_code == 302
    assert parameters.get("repairs.accept_within_minutes", company=company) == 20
    assert parameters.get("repairs.accept_within_minutes") == 30
    body = client.get(url).content.decode()
    assert "安居物业服务有限公司" in body and "20 分钟" in body
    refused = client.post(
        url, {"action": "add_override", "override-company": company.pk, "override-value": "0"}
    )
    assert refused.status_code == 400 and "至少1分钟。" in refused.content.decode()
    response = client.post(url, {"action": "remove_override", "company": company.pk})
    assert response.status_code == 302
    assert parameters.get("repairs.accept_within_minutes", company=company) == 30
    entries = AuditEntry.objects.filter(data__company_id=company.pk).order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in entries] == [("30", "20"), ("20", "30")]


def test_a_platform_only_parameter_takes_no_company_value(client_for, operator):
    company = PropertyCompanyFactory()
    url = edit_url("uploads.max_photos")
    assert "添加公司单独设置" not in client_for(operator).get(url).content.decode()
    response = client_for(operator).post(
        url, {"action": "add_override", "override-company": company.pk, "override-value": "2"}
    )
    assert response.status_code == 400
    assert client_for(operator).get(edit_url("no.such_key")).status_code == 404


@pytest.mark.parametrize("who", ["manager", "resident"])
def test_only_operators_may_open_the_pages(request, client, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for url in (reverse(INDEX), edit_url("uploads.max_photos")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(edit_url("uploads.max_photos"), {"action": "set", "value": "1"})
    assert response.status_code == 302
    assert parameters.get("uploads.max_photos") == 9


# --- A changed parameter changes behaviour, without a restart ----------------------------------


def test_a_lower_photo_limit_applies_to_the_next_repair_report(
    client_for,
    operator,
    resident,
    form_data,  # noqa: F811
):
    client_for(operator).post(edit_url("uploads.max_photos"), {"action": "set", "value": "2"})
    photos = [photo_upload(f"p{n}.jpg", size=(40, 30)) for n in range(3)]
    response = post(client_for(resident), {**form_data, "photos": photos})
    assert_refused(response, "2")
    assert response.context["form"].errors["photos"]


def test_the_parcel_reminder_offset_applies_to_the_next_run(
    operator,
    waiting,  # noqa: F811
    resident,
    settings,
):
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 3
    parameters.parameter_set(key="parcels.remind_after_days", value=5, actor=operator)
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert parcel_services.remind_waiting_parcels() == 0  # 3 days waiting, 5 required
    parameters.parameter_clear(key="parcels.remind_after_days", actor=operator)
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert parcel_services.remind_waiting_parcels() == 1


def test_a_company_value_sets_the_reminder_days_of_its_new_communities(operator):
    company = PropertyCompanyFactory()
    parameters.parameter_set(
        key="billing.remind_days_before", value=[10, 5], company=company, actor=operator
    )
    parameters.parameter_set(key="billing.remind_days_after", value=[3], actor=operator)
    ours, theirs = CommunityFactory(company=company), CommunityFactory()
    assert billing_settings(ours).remind_days_before == "10,5"
    assert billing_settings(ours).remind_days_after == "3"
    assert billing_settings(theirs).remind_days_before == "7,3"


def test_a_new_repair_category_starts_from_the_company_service_level(
    client_for, operator, manager, community
):
    parameters.parameter_set(
        key="repairs.accept_within_minutes", value=12, company=community.company, actor=operator
    )
    parameters.parameter_set(key="repairs.finish_within_hours", value=6, actor=operator)
    form = client_for(manager).get(reverse("repairs_staff:category_create")).context["form"]
    assert form["accept_within_minutes"].value() == 12
    assert form["finish_within_hours"].value() == 6


def test_the_auto_close_wait_follows_the_parameter(operator):
    parameters.parameter_set(key="complaints.auto_close_days", value=3, actor=operator)
    assert parameters.get("complaints.auto_close_days") == dt.timedelta(days=3)
