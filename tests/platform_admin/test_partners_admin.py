"""Operators keep partners and agreements in the admin (PPAR-1, PPAR-2): lists searched and
filtered, partners with contacts and agreements inline, agreements with PDFs checked by their
bytes and kept private, a "new version" action, every save audited; and the expiry board
合作协议到期. Operators only: a manager or a resident is sent to the admin's login."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kit.models import AuditEntry
from kit.storage import private_storage
from platform_admin.partners import services
from platform_admin.partners.models import Agreement, AgreementAttachment, Partner

from ..factories import (
    AgreementFactory,
    PartnerFactory,
    ProviderListingFactory,
    photo_upload,
    provider_partner,
)

NOON = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 15)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def pinned():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(pinned, community):
    """A payment institution with two agreements, a provider partner with one ending in 20
    days, another whose agreement ended and whose listing is suspended."""
    wechat = PartnerFactory(name="财付通支付", merchant_numbers="1900000109")
    soon = ProviderListingFactory(community=community, status="approved", provider__name="快修")
    gone = ProviderListingFactory(community=community, status="approved", provider__name="美家")
    soon_partner, gone_partner = provider_partner(soon.provider), provider_partner(gone.provider)
    rows = {
        "pay": AgreementFactory(partner=wechat, number="PAY-1", content="微信支付收单，费率千分之六",
                                end=TODAY + dt.timedelta(days=200)),
        "pay_draft": AgreementFactory(partner=wechat, number="PAY-2", status="draft",
                                      end=TODAY + dt.timedelta(days=10)),
        "soon": AgreementFactory(partner=soon_partner, number="SVC-1", kind="service",
                                 end=TODAY + dt.timedelta(days=20)),
        "gone": AgreementFactory(partner=gone_partner, number="SVC-2", kind="service",
                                 end=TODAY - dt.timedelta(days=10)),
        "later": AgreementFactory(partner=wechat, number="PAY-3", kind="technology",
                                  start=TODAY + dt.timedelta(days=30), signed_on=TODAY,
                                  end=TODAY + dt.timedelta(days=75)),
    }  # fmt: skip
    services.expiry_check(TODAY)
    return rows


def numbers(response) -> set[str]:
    return {a.number for a in response.context["cl"].result_list}


@pytest.mark.req("PPAR-2")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"PAY-1", "PAY-2", "PAY-3", "SVC-1", "SVC-2"}),
        ({"q": "SVC-1"}, {"SVC-1"}),
        ({"q": "财付通"}, {"PAY-1", "PAY-2", "PAY-3"}),
        ({"q": "千分之六"}, {"PAY-1"}),
        ({"kind__exact": "service"}, {"SVC-1", "SVC-2"}),
        ({"status__exact": "draft"}, {"PAY-2"}),
        ({"phase": "in_force"}, {"PAY-1", "SVC-1"}),
        ({"phase": "ended"}, {"SVC-2"}),
        ({"phase": "upcoming"}, {"PAY-3"}),
        ({"ending": "30"}, {"SVC-1"}),
        ({"ending": "90"}, {"SVC-1", "PAY-3"}),
        ({"partner_kind": "provider"}, {"SVC-1", "SVC-2"}),
    ],
)
def test_agreements_are_searched_and_filtered(client_for, operator, world, params, expected):
    response = client_for(operator).get(
        reverse("admin:platform_admin_agreement_changelist"), params
    )
    assert response.status_code == 200
    assert numbers(response) == expected


@pytest.mark.req("PPAR-1")
def test_partners_are_searched_and_filtered(client_for, operator, world):
    client = client_for(operator)
    url = reverse("admin:platform_admin_partner_changelist")
    response = client.get(url, {"kind__exact": "provider"})
    assert {p.name for p in response.context["cl"].result_list} == {"快修", "美家"}
    response = client.get(url, {"q": "1900000109"})
    assert [p.name for p in response.context["cl"].result_list] == ["财付通支付"]
    body = client.get(url).content.decode()
    assert "微信支付" in body and "支付机构" in body


def partner_form(**fields) -> dict:
    data = {
        "kind": "payment", "name": "银联商务", "status": "active", "merchant_numbers":
        "898440379930020", "channels": ["unionpay"], "notes": "",
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "周敏", "contacts-0-role": "客户经理", "contacts-0-phone": "021-12345678",
        "contacts-0-email": "",
        "agreements-TOTAL_FORMS": "0", "agreements-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(fields)
    return data


NEW_AGREEMENT = {
    "number": "UP-2026-01", "title": "银联收单服务协议", "kind": "payment", "status": "signed",
    "signed_on": "2026-06-01", "start": "2026-06-10", "end": "2027-06-09", "amount": "",
    "fee_rate": "0.55", "content": "银联二维码收单", "attachments-TOTAL_FORMS": "0",
    "attachments-INITIAL_FORMS": "0",
}  # fmt: skip


@pytest.mark.req("PPAR-1", "PPAR-2")
def test_a_partner_with_contacts_then_its_agreement_are_added_and_audited(
    client_for, operator, pinned
):
    client = client_for(operator)
    response = client.post(reverse("admin:platform_admin_partner_add"), partner_form())
    assert response.status_code == 302, response.context["errors"]
    partner = Partner.objects.get(name="银联商务")
    assert partner.channels == ["unionpay"] and partner.contacts.get().name == "周敏"
    assert AuditEntry.objects.filter(action="partner.created", actor=operator).exists()
    change = reverse("admin:platform_admin_partner_change", args=[partner.pk])
    add = reverse("admin:platform_admin_agreement_add")
    assert f"{add}?partner={partner.pk}" in client.get(change).content.decode()
    response = client.post(add, {**NEW_AGREEMENT, "partner": partner.pk})
    assert response.status_code == 302, response.context["errors"]
    agreement = partner.agreements.get()
    assert agreement.created_by == operator and agreement.fee_rate == Decimal("0.55")
    assert AuditEntry.objects.filter(action="agreement.created", target_id=str(agreement.pk))
    assert "UP-2026-01" in client.get(change).content.decode()


@pytest.mark.req("PPAR-1")
def test_a_secret_is_refused_in_chinese_and_what_was_typed_stays(client_for, operator, pinned):
    key = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    response = client_for(operator).post(
        reverse("admin:platform_admin_partner_add"),
        partner_form(merchant_numbers=f"898440379930020,{key}"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "密钥只保存在服务器的环境变量中" in html
    assert key in html and "周敏" in html
    assert not Partner.objects.exists()


@pytest.mark.req("PPAR-2")
def test_an_agreement_signed_after_it_started_is_refused_unless_stated(client_for, operator, world):
    client = client_for(operator)
    partner = world["pay"].partner
    form = {**NEW_AGREEMENT, "partner": partner.pk, "signed_on": "2026-06-20", "fee_rate": ""}
    response = client.post(reverse("admin:platform_admin_agreement_add"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "签订日期晚于开始日期" in html and "支付服务协议须填写费率" in html
    assert "UP-2026-01" in html and "银联二维码收单" in html
    form.update(signed_after_start="on", fee_rate="0.6")
    assert client.post(reverse("admin:platform_admin_agreement_add"), form).status_code == 302


def agreement_form(agreement: Agreement, **fields) -> dict:
    data = {
        "partner": agreement.partner_id, "number": agreement.number, "title": agreement.title,
        "kind": agreement.kind, "status": agreement.status,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else "", "start": agreement.start.isoformat(),
        "end": agreement.end.isoformat() if agreement.end else "",
        "amount": "", "fee_rate": "0.6", "content": agreement.content,
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(fields)
    return data


@pytest.mark.req("PPAR-2")
def test_a_pdf_is_checked_by_its_bytes_stored_privately_and_served_to_operators_only(
    client, client_for, operator, manager, resident, world, settings
):
    agreement = world["pay"]
    url = reverse("admin:platform_admin_agreement_change", args=[agreement.pk])
    fake = photo_upload()
    fake.name = "协议.pdf"
    response = client_for(operator).post(url, agreement_form(agreement, pdf=fake))
    assert response.status_code == 200
    assert "只能上传 PDF 文件" in response.content.decode()
    pdf = SimpleUploadedFile("微信支付协议.pdf", PDF, content_type="application/octet-stream")
    response = client_for(operator).post(url, agreement_form(agreement, pdf=pdf))
    assert response.status_code == 302
    attachment = AgreementAttachment.objects.get()
    assert attachment.original_name == "微信支付协议.pdf" and attachment.uploaded_by == operator
    assert attachment.file.storage.location == private_storage().location
    assert not attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    assert AuditEntry.objects.filter(action="agreement.attachment_added").exists()
    download = reverse("admin:platform_partners_attachment", args=[attachment.pk])
    assert download in client_for(operator).get(url).content.decode()
    response = client_for(operator).get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    for user in (manager, resident, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(download)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert (
        client_for(operator)
        .get(reverse("admin:platform_partners_attachment", args=[attachment.pk + 1]))
        .status_code
        == 404
    )


@pytest.mark.req("PPAR-2")
def test_the_new_version_action_copies_and_links(client_for, operator, world):
    agreement = world["soon"]
    response = client_for(operator).post(
        reverse("admin:platform_admin_agreement_changelist"),
        {"action": "new_version", "_selected_action": [agreement.pk]},
    )
    copy = Agreement.objects.get(supersedes=agreement)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:platform_admin_agreement_change", args=[copy.pk])
    assert (copy.version, copy.revision, copy.status, copy.root) == (
        2,
        "renewal",
        "draft",
        agreement,
    )
    assert copy.number == f"{agreement.number}-V2" and copy.start == agreement.end + dt.timedelta(1)
    assert copy.content == agreement.content and copy.partner == agreement.partner
    assert AuditEntry.objects.filter(action="agreement.new_version", actor=operator).exists()
    # Signing the renewal: the board then says it is renewed; a second copy is refused.
    form = agreement_form(copy, status="signed", signed_on=TODAY.isoformat(), fee_rate="")
    response = client_for(operator).post(
        reverse("admin:platform_admin_agreement_change", args=[copy.pk]), form
    )
    assert response.status_code == 302
    with pytest.raises(Exception, match="已有更新的版本"):
        services.agreement_new_version(agreement=agreement, actor=operator)


@pytest.mark.req("PPAR-2")
def test_a_signed_version_overlapping_another_is_refused_in_the_admin(client_for, operator, world):
    agreement = world["pay"]
    copy = services.agreement_new_version(agreement=agreement, actor=operator)
    form = agreement_form(
        copy, status="signed", signed_on=TODAY.isoformat(), start=TODAY.isoformat()
    )
    response = client_for(operator).post(
        reverse("admin:platform_admin_agreement_change", args=[copy.pk]), form
    )
    assert response.status_code == 200
    assert "同一协议的两个版本不能同时生效" in response.content.decode()


@pytest.mark.req("PPAR-2")
def test_the_expiry_board_says_what_will_happen_and_what_happened(client_for, operator, world):
    response = client_for(operator).get(reverse("admin:platform_partners_expiring"))
    assert response.status_code == 200
    board = response.context["board"]
    assert [r.agreement.number for r in board["upcoming"]] == ["SVC-1", "PAY-3"]
    assert [(r.agreement.number, r.effect, r.listings) for r in board["ended"]] == [
        ("SVC-2", "suspended", 1)
    ]
    html = response.content.decode()
    assert "将自动暂停其在1个小区的入驻" in html
    assert "已暂停其在1个小区的入驻" in html
    assert "仅提醒" in html and "20天" in html and "10天前" in html
    assert reverse("admin:platform_admin_agreement_change", args=[world["soon"].pk]) in html
    index = client_for(operator).get(reverse("admin:index")).content.decode()
    assert "合作协议到期" in index


@pytest.mark.req("PPAR-2")
def test_the_expiry_board_is_for_operators_only(client, manager, resident, pinned):
    url = reverse("admin:platform_partners_expiring")
    for user in (manager, resident):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.req("PPAR-2")
def test_the_expiry_board_takes_a_bounded_number_of_queries(
    client_for, operator, world, community, django_assert_max_num_queries
):
    client = client_for(operator)
    url = reverse("admin:platform_partners_expiring")
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)
    for n in range(15):
        listing = ProviderListingFactory(community=community, status="approved")
        AgreementFactory(partner=provider_partner(listing.provider), number=f"MANY-{n}",
                         end=TODAY + dt.timedelta(days=n - 7))  # fmt: skip
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["board"]["upcoming"]) + len(response.context["board"]["ended"]) > 15


@pytest.mark.req("PPAR-1")
def test_the_admin_lists_take_a_bounded_number_of_queries(
    client_for, operator, world, django_assert_max_num_queries
):
    client = client_for(operator)
    for name in ("platform_admin_partner_changelist", "platform_admin_agreement_changelist"):
        client.get(reverse(f"admin:{name}"))
        with django_assert_max_num_queries(20):
            client.get(reverse(f"admin:{name}"))
    for _n in range(10):
        AgreementFactory()
    for name in ("platform_admin_partner_changelist", "platform_admin_agreement_changelist"):
        with django_assert_max_num_queries(20):
            client.get(reverse(f"admin:{name}"))
