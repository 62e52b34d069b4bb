"""The partners demo, called at the end of seed_demo: the two payment institutions of the
billing module (merchant numbers from the environment when set, demo numbers otherwise;
never a key), the demo's service providers as partners with their agreements, contacts, and
two stories an operator finds on 合作协议到期: Alipay's agreement ends in 20 days (an alert
only) and the agreement with 美家窗帘清洗 ended last month, so its listing is suspended.
Idempotent (by agreement number and partner name); dates follow today on every run."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from services.providers.demo import PROVIDERS, seed_former_partner
from services.providers.selectors import approved_providers

from .models import Agreement, Partner, PartnerContact
from .services import apply_agreement_state

SIGNED = Agreement.Status.SIGNED


def seed_partners(community) -> None:
    today = timezone.localdate()
    wechat = _partner(
        "财付通支付科技有限公司（微信支付）",
        Partner.Kind.PAYMENT,
        merchant_numbers=settings.WECHATPAY_MCH_ID or "1900000109",
        channels=[Partner.Channel.WECHAT],
        contact=("刘洋", "商户经理", "0755-86013388", "merchant@tenpay.example"),
    )
    _agreement(wechat, "LL-PAY-2025-001", "微信支付特约商户服务协议", Agreement.Kind.PAYMENT,
               today - dt.timedelta(days=300), today + dt.timedelta(days=430),
               fee_rate=Decimal("0.600"))  # fmt: skip
    alipay = _partner(
        "支付宝（中国）网络技术有限公司",
        Partner.Kind.PAYMENT,
        merchant_numbers=settings.ALIPAY_SELLER_ID or "2088102146225135",
        channels=[Partner.Channel.ALIPAY],
        contact=("陈静", "行业拓展", "0571-26888888", "bd@alipay.example"),
    )
    _agreement(alipay, "LL-PAY-2025-002", "支付宝当面付及手机网站支付服务协议",
               Agreement.Kind.PAYMENT, today - dt.timedelta(days=345),
               today + dt.timedelta(days=20), fee_rate=Decimal("0.600"))  # fmt: skip
    providers = {p.name: p for p in approved_providers(community)}
    for number, row in enumerate(PROVIDERS):
        provider = providers.get(row[0])
        if provider is None:
            continue
        partner = _partner(row[0], Partner.Kind.PROVIDER, provider=provider,
                           contact=(row[2], "负责人", row[3], ""))  # fmt: skip
        # One provider's agreement ends in 45 days: the board says its listing will be
        # suspended unless it is renewed.
        end = today + dt.timedelta(days=45 if number == 1 else 200 + 30 * number)
        _agreement(partner, f"LL-SVC-2025-{number + 1:03d}", "社区便民服务入驻合作协议",
                   Agreement.Kind.SERVICE, today - dt.timedelta(days=165), end,
                   amount=Decimal("3000.00"))  # fmt: skip
    former = seed_former_partner(community)
    partner = _partner(former.name, Partner.Kind.PROVIDER, provider=former,
                       contact=("钱女士", "负责人", "13700000018", ""))  # fmt: skip
    _agreement(partner, "LL-SVC-2024-099", "社区便民服务入驻合作协议", Agreement.Kind.SERVICE,
               today - dt.timedelta(days=390), today - dt.timedelta(days=25),
               amount=Decimal("2000.00"))  # fmt: skip
    apply_agreement_state(partner.pk, today)


def _partner(name, kind, *, contact, provider=None, merchant_numbers="", channels=()):
    partner, _created = Partner.objects.get_or_create(
        name=name,
        defaults={
            "kind": kind,
            "provider": provider,
            "merchant_numbers": merchant_numbers,
            "channels": list(channels),
        },
    )
    contact_name, role, phone, email = contact
    PartnerContact.objects.get_or_create(
        partner=partner, name=contact_name, defaults={"role": role, "phone": phone, "email": email}
    )
    return partner


def _agreement(partner, number, title, kind, start, end, *, amount=None, fee_rate=None):
    """Created once; its dates follow today on every run, so the stories stay true."""
    signed_on = start - dt.timedelta(days=7)
    agreement, created = Agreement.objects.get_or_create(
        number=number,
        defaults={
            "partner": partner,
            "title": title,
            "kind": kind,
            "status": SIGNED,
            "signed_on": signed_on,
            "start": start,
            "end": end,
            "amount": amount,
            "fee_rate": fee_rate,
            "content": f"{title}：双方就平台服务、结算与费率、数据安全与保密、违约责任达成一致。",
        },
    )
    if not created:
        Agreement.objects.filter(pk=agreement.pk).update(signed_on=signed_on, start=start, end=end)
    return agreement
