"""The platform parameter store (kit.parameters): defaults from the settings, platform values,
company overrides, the cache, bounds in Chinese, no secrets."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from kit import parameters
from kit.models import AuditEntry, ParameterValue

from ..factories import PropertyCompanyFactory

pytestmark = pytest.mark.req("PSET-1")


def test_a_parameter_without_a_value_follows_its_setting(db, settings):
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 5
    assert parameters.get("parcels.remind_after_days") == 5
    settings.LINLI_COMPLAINT_AUTO_CLOSE_DAYS = 9
    assert parameters.get("complaints.auto_close_days") == dt.timedelta(days=9)
    assert parameters.get("billing.remind_days_before") == [7, 3]
    assert parameters.get("uploads.max_photos") == 9


def test_platform_value_and_company_override(db, operator):
    company, other = PropertyCompanyFactory(), PropertyCompanyFactory()
    parameters.parameter_set(key="repairs.accept_within_minutes", value=45, actor=operator)
    parameters.parameter_set(
        key="repairs.accept_within_minutes", value=20, company=company, actor=operator
    )
    assert parameters.get("repairs.accept_within_minutes") == 45
    assert parameters.get("repairs.accept_within_minutes", company=company) == 20
    assert parameters.get("repairs.accept_within_minutes", company=company.pk) == 20
    assert parameters.get("repairs.accept_within_minutes", company=other) == 45
    parameters.parameter_clear(key="repairs.accept_within_minutes", company=company, actor=operator)
    assert parameters.get("repairs.accept_within_minutes", company=company) == 45
    parameters.parameter_clear(key="repairs.accept_within_minutes", actor=operator)
    assert parameters.get("repairs.accept_within_minutes", company=company) == 30


def test_a_platform_only_parameter_refuses_a_company_value(db, operator):
    with pytest.raises(ValueError, match="no company overrides"):
        parameters.parameter_set(
            key="uploads.max_photos", value=3, company=PropertyCompanyFactory(), actor=operator
        )


def test_values_are_cached_and_the_cache_is_dropped_on_every_change(
    db, operator, django_assert_num_queries
):
    parameters.get("uploads.max_photos")
    with django_assert_num_queries(0):
        assert parameters.get("uploads.max_photos") == 9
        assert parameters.get("billing.remind_days_after") == [15, 1]
    parameters.parameter_set(key="uploads.max_photos", value=4, actor=operator)
    assert parameters.get("uploads.max_photos") == 4
    # Another process (or the admin's list_editable) writing a row behind the store's back is
    # seen once the cache is dropped, as every write through the store does.
    ParameterValue.objects.filter(key="uploads.max_photos").update(value="6")
    assert parameters.get("uploads.max_photos") == 4
    parameters.invalidate()
    assert parameters.get("uploads.max_photos") == 6


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("uploads.max_photos", "0", "至少1"),
        ("uploads.max_photos", "10", "最多9"),
        ("uploads.max_photos", "三", "请输入整数"),
        ("complaints.auto_close_days", "61", "最多60"),
        ("billing.remind_days_before", "7,120", "最多90"),
        ("billing.remind_days_before", "7,x", "请输入用逗号分隔的整数"),
        ("repairs.finish_within_hours", "", "请输入"),
    ],
)
def test_bounds_are_checked_in_chinese(db, key, text, message):
    with pytest.raises(ValidationError) as error:
        parameters.parse(parameters.parameter(key), text)
    assert message in error.value.messages[0]


def test_lists_accept_chinese_commas_and_sort(db):
    param = parameters.parameter("billing.remind_days_before")
    assert parameters.parse(param, "3，7, 3") == [7, 3]
    assert parameters.display(param, [7, 3]) == "7、3 天前"


def test_a_stored_value_out_of_bounds_falls_back_to_the_default(db):
    ParameterValue.objects.create(key="uploads.max_photos", value="99")
    assert parameters.get("uploads.max_photos") == 9


def test_every_change_is_audited_with_before_and_after(db, operator):
    company = PropertyCompanyFactory(name="安居物业")
    parameters.parameter_set(key="billing.remind_days_before", value=[10, 5, 1], actor=operator)
    parameters.parameter_set(
        key="billing.remind_days_before", value=[2], company=company, actor=operator
    )
    parameters.parameter_clear(key="billing.remind_days_before", company=company, actor=operator)
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [e.action for e in entries] == [
        "kit.parameter_changed", "kit.parameter_changed", "kit.parameter_cleared",
    ]  # fmt: skip
    assert entries[0].data["before"] == "7,3" and entries[0].data["after"] == "10,5,1"
    assert entries[1].data["company"] == "安居物业"
    assert entries[1].data["before"] == "10,5,1" and entries[1].data["after"] == "2"
    assert entries[2].data["before"] == "2" and entries[2].data["after"] == "10,5,1"
    assert entries[0].actor == operator
    assert entries[0].action_label == "平台参数已修改"


def test_no_registered_parameter_is_a_secret():
    looks_secret = re.compile(r"secret|password|passwd|token|api_?key|access_?key|credential|"
                              r"private|merchant|app_?id|sign", re.I)  # fmt: skip
    registered = parameters.registered()
    assert len(registered) >= 10
    for param in registered:
        assert not looks_secret.search(param.key), param.key
        assert not looks_secret.search(str(param.label)), param.key
        assert param.kind in parameters.KINDS


def test_every_parameter_has_a_chinese_label_module_and_a_valid_default(db):
    for param in parameters.registered():
        assert re.search(r"[\u4e00-\u9fff]", str(param.label)), param.key
        assert re.search(r"[\u4e00-\u9fff]", str(param.module)), param.key
        default = param.default_value()
        assert parameters.parse(param, parameters.as_text(param, default)) == default, param.key
