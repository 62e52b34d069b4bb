"""Writes of the partners part: recording operators' changes, new versions of an agreement,
PDF files, and the daily expiry check (alerts ahead, and the consequences of an ended
agreement for a service provider's listings)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import platform_operators
from kit.audit import log_action
from notices.notify import notify
from services.providers import services as provider_services

from .models import Agreement, AgreementAlert, AgreementAttachment, Partner

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ENDED = 0  # the AgreementAlert threshold of "has ended"


# --- Operators' changes in the admin ---------------------------------------------------------------


def record_change(*, actor: User, obj, created: bool, changed: list[str], request=None) -> None:
    """The audit entry of a partner, contact or agreement saved in the admin."""
    kind = type(obj).__name__.lower()
    action = {
        ("partner", True): "partner.created",
        ("partner", False): "partner.changed",
        ("agreement", True): "agreement.created",
        ("agreement", False): "agreement.changed",
    }.get((kind, created))
    if action is None:
        return
    log_action(
        actor=actor, action=action, target=obj, data={"fields": sorted(changed)}, request=request
    )


@transaction.atomic
def agreement_new_version(
    *, agreement: Agreement, actor: User, request: HttpRequest | None = None
) -> Agreement:
    """A draft copy of `agreement` that supersedes it: the next version number, the same
    terms, and dates that follow on (a renewal, from the day after the end) or, for an
    open-ended agreement, an amendment from tomorrow. The operator corrects the dates and signs
    it in the admin; two signed versions may not overlap, so an amendment is signed once the
    version it replaces has its end date (nothing ends by itself when a draft is made)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if Agreement.objects.filter(supersedes=agreement).exists():
        raise ValidationError(
            _("Version %(version)s already has a newer version: copy the newest one.")
            % {"version": agreement.version}
        )
    if agreement.status == Agreement.Status.CANCELLED:
        raise ValidationError(_("A cancelled agreement cannot get a new version."))
    root = agreement.root or agreement
    version = agreement.version + 1
    if agreement.end is not None:
        revision = Agreement.Revision.RENEWAL
        start = agreement.end + dt.timedelta(days=1)
        end = start + (agreement.end - agreement.start)
    else:
        revision = Agreement.Revision.AMENDMENT
        start = timezone.localdate() + dt.timedelta(days=1)
        end = None
    number = f"{root.number}-V{version}"
    if Agreement.objects.filter(number=number).exists():
        raise ValidationError(_("The number %(number)s is taken.") % {"number": number})
    copy = Agreement.objects.create(
        partner=agreement.partner,
        number=number,
        title=agreement.title,
        kind=agreement.kind,
        status=Agreement.Status.DRAFT,
        start=start,
        end=end,
        content=agreement.content,
        amount=agreement.amount,
        fee_rate=agreement.fee_rate,
        version=version,
        revision=revision,
        supersedes=agreement,
        root=root,
        created_by=actor,
    )
    log_action(
        actor=actor,
        action="agreement.new_version",
        target=copy,
        data={"supersedes": agreement.number, "version": version, "revision": revision},
        request=request,
    )
    return copy


def _looks_like_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(max(0, (upload.size or 0) - 2048))
    tail = upload.read()
    upload.seek(0)
    return head.startswith(b"%PDF-") and b"%%EOF" in tail


def check_pdf(upload) -> None:
    """A PDF by its bytes (the header and the end-of-file marker), whatever its name or the
    type the browser claims, and at most MAX_ATTACHMENT_BYTES."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_ATTACHMENT_BYTES // 2**20}
        )
    if not _looks_like_pdf(upload):
        raise ValidationError(_("Only PDF documents can be attached: this file is not one."))


@transaction.atomic
def attachment_add(
    *, agreement: Agreement, upload, actor: User, request: HttpRequest | None = None
) -> AgreementAttachment:
    check_pdf(upload)
    name = (upload.name or "").rsplit("/", 1)[-1][:120] or "agreement.pdf"
    attachment = AgreementAttachment(
        agreement=agreement, original_name=name, size=upload.size or 0, uploaded_by=actor
    )
    upload.seek(0)
    attachment.file.save("agreement.pdf", ContentFile(upload.read()), save=False)
    attachment.save()
    log_action(
        actor=actor,
        action="agreement.attachment_added",
        target=agreement,
        data={"file": name, "size": attachment.size},
        request=request,
    )
    return attachment


# --- The daily expiry check ------------------------------------------------------------------------


def alert_days() -> list[int]:
    """The thresholds (days ahead), largest first, without 0 or repeats."""
    days = {int(d) for d in settings.LINLI_AGREEMENT_EXPIRY_ALERT_DAYS if int(d) > 0}
    return sorted(days, reverse=True)


def _operators() -> list[int]:
    return list(platform_operators().values_list("pk", flat=True))


def _signed() -> "Q":
    return Q(status=Agreement.Status.SIGNED)


def _renewed() -> Exists:
    """A signed newer version exists: the agreement goes on under it."""
    return Exists(
        Agreement.objects.filter(supersedes=OuterRef("pk"), status=Agreement.Status.SIGNED)
    )


def expiry_check(today: dt.date | None = None) -> dict[str, int]:
    """The daily job: (a) alert operators N days ahead of an agreement's end (each threshold of
    LINLI_AGREEMENT_EXPIRY_ALERT_DAYS once per agreement and end date) and once when it has
    ended; (b) hold a service provider's listings when no agreement with it is in force any
    more, and release them when one is again. Payment institutions: alerts only."""
    today = today or timezone.localdate()
    thresholds = alert_days()
    alerted = 0
    if thresholds:
        due = (
            Agreement.objects.filter(_signed(), end__gte=today)
            .filter(end__lte=today + dt.timedelta(days=thresholds[0]))
            .exclude(_renewed())
            .values_list("pk", flat=True)
        )
        for agreement_id in list(due):
            alerted += _alert_ahead(agreement_id, today, thresholds)
    ended = (
        Agreement.objects.filter(_signed(), end__lt=today, end__gte=today - dt.timedelta(days=30))
        .exclude(_renewed())
        .values_list("pk", flat=True)
    )
    for agreement_id in list(ended):
        alerted += _alert_ended(agreement_id, today)
    held = released = 0
    providers = Partner.objects.filter(
        kind=Partner.Kind.PROVIDER, provider__isnull=False
    ).values_list("pk", flat=True)
    for partner_id in list(providers):
        outcome = apply_agreement_state(partner_id, today)
        held += outcome == "held"
        released += outcome == "released"
    return {"alerted": alerted, "held": held, "released": released}


def _claim_alert(agreement: Agreement, days: int) -> bool:
    """The alert row decides: only the run that creates it sends (a re-run, or two workers at
    once, find it there)."""
    try:
        with transaction.atomic():
            AgreementAlert.objects.create(agreement=agreement, days=days, ends_on=agreement.end)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def _alert_ahead(agreement_id: int, today: dt.date, thresholds: list[int]) -> int:
    agreement = Agreement.objects.select_related("partner").get(pk=agreement_id)
    days_left = (agreement.end - today).days
    crossed = [d for d in thresholds if days_left <= d]
    if not crossed:
        return 0
    # Only the nearest threshold is sent; the farther ones it passed (an agreement entered
    # late) are recorded as covered, so the operator gets one alert, not three on one day.
    nearest = min(crossed)
    sent = _claim_alert(agreement, nearest)
    for days in crossed:
        if days != nearest:
            _claim_alert(agreement, days)
    if not sent:
        return 0
    notify(
        "partner.agreement_expiring",
        _operators(),
        obj=agreement,
        key=f"expiring-{nearest}-{agreement.end.isoformat()}",
        context={
            "agreement": agreement,
            "partner": agreement.partner,
            "days": days_left,
            "consequence": consequence_text(agreement.partner),
        },
        url=reverse("admin:platform_admin_agreement_change", args=[agreement.pk]),
    )
    return 1


@transaction.atomic
def _alert_ended(agreement_id: int, today: dt.date) -> int:
    agreement = Agreement.objects.select_related("partner").get(pk=agreement_id)
    if not _claim_alert(agreement, ENDED):
        return 0
    notify(
        "partner.agreement_ended",
        _operators(),
        obj=agreement,
        key=f"ended-{agreement.end.isoformat()}",
        context={
            "agreement": agreement,
            "partner": agreement.partner,
            "consequence": consequence_text(agreement.partner, ended=True),
        },
        url=reverse("admin:platform_admin_agreement_change", args=[agreement.pk]),
    )
    return 1


def consequence_text(partner: Partner, *, ended: bool = False) -> str:
    """What the end of an agreement does to the partner, in the operators' words."""
    if partner.kind == Partner.Kind.PROVIDER:
        if ended:
            return _(
                "Unless another agreement is in force, its listings are suspended in every "
                "community: residents cannot book it."
            )
        return _(
            "When it ends without a renewal, the provider's listings are suspended in every "
            "community automatically."
        )
    if partner.kind == Partner.Kind.PAYMENT:
        return _(
            "Payments are not switched off automatically: check the renewal, or change the "
            "payment configuration yourself."
        )
    return _("Nothing changes automatically.")


def provider_coverage(partner_id: int, today: dt.date) -> str:
    """ "covered": a signed agreement is in force today; "lapsed": one was, and none is any
    more; "none": no signed agreement has started yet (nothing to act on)."""
    signed = Agreement.objects.filter(_signed(), partner_id=partner_id, start__lte=today)
    if signed.filter(Q(end__isnull=True) | Q(end__gte=today)).exists():
        return "covered"
    return "lapsed" if signed.exists() else "none"


def apply_agreement_state(partner_id: int, today: dt.date) -> str:
    """Hold or release one service provider's listings (through the services module's own
    functions, which lock the provider and are idempotent). Returns "held", "released" or ""."""
    partner = Partner.objects.select_related("provider").get(pk=partner_id)
    coverage = provider_coverage(partner_id, today)
    if coverage == "lapsed" and not partner.provider.agreement_hold:
        last = (
            Agreement.objects.filter(_signed(), partner_id=partner_id, end__lt=today)
            .order_by("-end")
            .first()
        )
        reason = _("The platform's agreement %(number)s ended on %(date)s.") % {
            "number": last.number,
            "date": last.end.isoformat(),
        }
        provider_services.provider_hold_for_agreement(
            provider_id=partner.provider_id, reason=reason
        )
        logger.info("partner %s: listings held, agreement %s ended", partner_id, last.number)
        return "held"
    if coverage == "covered" and partner.provider.agreement_hold:
        provider_services.provider_release_after_agreement(provider_id=partner.provider_id)
        return "released"
    return ""
