"""Partners and agreements (PPAR-1, PPAR-2): the records' rules, in Chinese — a provider partner
is the services module's own record, merchant numbers are never secrets, an agreement ends
after it starts, is not signed after it starts unless that is stated, and two signed versions
of one agreement never overlap."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from platform_admin.partners.models import Agreement, Partner
from platform_admin.partners.validators import looks_secret

from ..factories import AgreementFactory, PartnerFactory, ProviderFactory, provider_partner

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@pytest.mark.req("PPAR-1")
def test_a_provider_partner_is_the_services_record_itself():
    provider = ProviderFactory(name="安心家政")
    partner = provider_partner(provider)
    assert partner.provider == provider and provider.partner == partner
    with pytest.raises(ValidationError) as error:
        Partner(kind="provider", name="无档案").full_clean()
    assert "请选择服务商档案" in messages_of(error.value)
    with transaction.atomic(), pytest.raises(IntegrityError):
        provider_partner(provider)  # one partner per provider record


@pytest.mark.req("PPAR-1")
@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        "APIv3密钥: 0123456789abcdef0123456789abcdef",
        "secret=abc123",
        "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",  # an APIv3 key: 32 letters and digits
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
    ],
)
def test_nothing_secret_looking_is_accepted(text):
    assert looks_secret(text)
    partner = PartnerFactory.build(notes=text)
    with pytest.raises(ValidationError) as error:
        partner.full_clean()
    assert "密钥只保存在服务器的环境变量中" in messages_of(error.value)


@pytest.mark.req("PPAR-1")
@pytest.mark.parametrize(
    "numbers", ["1900000109", "2088102146225135, wx8888888888888888", "898440379930020"]
)
def test_merchant_numbers_and_app_ids_are_accepted(numbers):
    assert not looks_secret(numbers)
    PartnerFactory.build(merchant_numbers=numbers).full_clean()


@pytest.mark.req("PPAR-1")
def test_merchant_numbers_are_numbers_and_only_for_payment_institutions():
    with pytest.raises(ValidationError) as error:
        PartnerFactory.build(merchant_numbers="商户 1900000109").full_clean()
    assert "不是有效的商户号" in messages_of(error.value)
    with pytest.raises(ValidationError) as error:
        PartnerFactory.build(kind="other", merchant_numbers="1900000109").full_clean()
    assert "仅适用于支付机构" in messages_of(error.value)
    with pytest.raises(ValidationError) as error:
        PartnerFactory.build(channels=[]).full_clean()
    assert "请至少选择一个支付渠道" in messages_of(error.value)


@pytest.mark.req("PPAR-2")
def test_an_agreement_ends_after_it_starts_and_is_signed_before():
    partner = PartnerFactory()
    agreement = AgreementFactory.build(
        partner=partner, start=DAY, end=DAY - dt.timedelta(days=1), signed_on=DAY
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "结束日期不能早于开始日期" in messages_of(error.value)
    agreement = AgreementFactory.build(
        partner=partner, start=DAY, end=None, signed_on=DAY + dt.timedelta(days=5)
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "签订日期晚于开始日期" in messages_of(error.value)
    agreement.signed_after_start = True
    agreement.full_clean()  # stated: accepted, and open-ended
    agreement.status = "signed"
    agreement.signed_on = None
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "已签署的协议须填写签订日期" in messages_of(error.value)


@pytest.mark.req("PPAR-2")
def test_the_database_refuses_an_end_before_the_start_too():
    with transaction.atomic(), pytest.raises(IntegrityError):
        AgreementFactory(start=DAY, end=DAY - dt.timedelta(days=1))


@pytest.mark.req("PPAR-2")
def test_signed_versions_of_one_agreement_may_not_overlap():
    first = AgreementFactory(start=DAY, end=DAY + dt.timedelta(days=364))
    second = Agreement(
        partner=first.partner, number="LL-T-V2", title="续签", kind="payment", status="signed",
        signed_on=DAY, start=DAY + dt.timedelta(days=300), end=DAY + dt.timedelta(days=700),
        fee_rate=first.fee_rate, version=2, supersedes=first, root=first,
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "同一协议的两个版本不能同时生效" in messages_of(error.value)
    second.start = DAY + dt.timedelta(days=365)
    second.full_clean()
    second.save()
    # A draft may overlap (it is not in force until signed); another partner's too.
    AgreementFactory(partner=first.partner, start=DAY, end=None).full_clean()


@pytest.mark.req("PPAR-2")
def test_the_phase_follows_the_dates():
    agreement = AgreementFactory.build(start=DAY, end=DAY + dt.timedelta(days=9))
    assert agreement.phase(DAY - dt.timedelta(days=1)) == "upcoming"
    assert agreement.phase(DAY + dt.timedelta(days=9)) == "in_force"
    assert agreement.phase(DAY + dt.timedelta(days=10)) == "ended"
    agreement.status = "cancelled"
    assert agreement.phase(DAY) == "cancelled"
