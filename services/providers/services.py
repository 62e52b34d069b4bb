"""Writes of the providers part: applications and staff entry, each community's decisions,
the licence's expiry and renewal, the provider's profile and its members."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import limits
from accounts.models import Community, User
from kit.audit import log_action
from notices.notify import notify
from staff.selectors import staff_with_permission

from ..models import Provider, ProviderHours, ProviderListing, ProviderMember, ServiceItem

Status = ProviderListing.Status
REVIEW_PERMISSION = "services.review_providerlisting"
WARN_DAYS = 30
PROFILE_FIELDS = (
    "name",
    "contact_name",
    "contact_phone",
    "description",
    "address",
    "slot_minutes",
    "slot_capacity",
    "cancel_cutoff_hours",
)


@dataclass
class ProviderDraft:
    """Everything the application form (or the staff's entry form) gathered."""

    profile: dict
    categories: Iterable
    licence_image: ContentFile
    licence_number: str
    licence_expires_on: dt.date
    items: list[dict] = field(default_factory=list)
    hours: list[tuple[int, dt.time, dt.time]] = field(default_factory=list)


def licence_expired(provider: Provider, today: dt.date | None = None) -> bool:
    """Valid until `licence_expires_on` included."""
    return provider.licence_expires_on < (today or timezone.localdate())


def _member_ids(provider: Provider) -> list[int]:
    return list(provider.members.filter(is_active=True).values_list("user_id", flat=True))


def _save_items(provider: Provider, items: list[dict]) -> None:
    for order, item in enumerate(items):
        ServiceItem.objects.create(
            provider=provider,
            sort_order=order,
            **{k: item.get(k) for k in ("name", "category", "price", "unit")},
            description=item.get("description") or "",
        )


def _save_hours(provider: Provider, hours: list[tuple[int, dt.time, dt.time]]) -> None:
    provider.hours.all().delete()
    ProviderHours.objects.bulk_create(
        ProviderHours(provider=provider, weekday=day, start=start, end=end)
        for day, start, end in hours
    )


def _create_provider(draft: ProviderDraft, *, created_by: User) -> Provider:
    provider = Provider(
        **{k: draft.profile[k] for k in PROFILE_FIELDS if k in draft.profile},
        licence_number=draft.licence_number,
        licence_expires_on=draft.licence_expires_on,
        created_by=created_by,
    )
    provider.licence_image.save("licence.jpg", draft.licence_image, save=False)
    provider.save()
    provider.categories.set(draft.categories)
    _save_items(provider, draft.items)
    _save_hours(provider, draft.hours)
    return provider


def _tell_reviewers(listing: ProviderListing, event: str) -> None:
    notify(
        event,
        staff_with_permission(listing.community, REVIEW_PERMISSION),
        obj=listing,
        key=f"{event}-{timezone.now().timestamp():.0f}",
        context={"listing": listing, "provider": listing.provider},
        url=reverse("services_staff:provider_listing", args=[listing.pk]),
    )


@transaction.atomic
def provider_apply(
    *,
    user: User,
    draft: ProviderDraft,
    communities: Iterable[Community],
    request: HttpRequest | None = None,
) -> Provider:
    """A person applies for their company: they become its owner, and each chosen community's
    reviewers get a pending listing to decide."""
    if not user.mobile_verified:
        raise ValidationError(_("Verify your mobile number before applying."))
    if ProviderMember.objects.filter(user=user, is_active=True).exists():
        raise ValidationError(_("This account already works for a service provider."))
    limits.throttle_request("provider_apply", request, user=user)
    provider = _create_provider(draft, created_by=user)
    ProviderMember.objects.create(provider=provider, user=user, role=ProviderMember.Role.OWNER)
    for community in communities:
        listing = ProviderListing.objects.create(provider=provider, community=community)
        log_action(
            actor=user,
            action="provider.applied",
            target=listing,
            community=community,
            data={"provider": provider.name},
            request=request,
        )
        _tell_reviewers(listing, "provider.applied")
    return provider


@transaction.atomic
def provider_enter(
    *,
    actor: User,
    community: Community,
    draft: ProviderDraft,
    owner_mobile: str = "",
    request: HttpRequest | None = None,
) -> ProviderListing:
    """Staff enter a provider they have vetted themselves: its listing in their community
    starts approved (the entry is the decision, audited as both)."""
    owner = None
    if owner_mobile:
        owner = User.objects.filter(mobile=owner_mobile, is_active=True).first()
        if owner is None:
            raise ValidationError(
                {
                    "owner_mobile": _(
                        "No account has this mobile number. Leave it blank, or ask "
                        "the provider to register first."
                    )
                }  # fmt: skip
            )
        if ProviderMember.objects.filter(user=owner, is_active=True).exists():
            raise ValidationError(
                {"owner_mobile": _("This account already works for a service provider.")}
            )
    provider = _create_provider(draft, created_by=actor)
    if owner is not None:
        ProviderMember.objects.create(provider=provider, user=owner, role=ProviderMember.Role.OWNER)
    listing = ProviderListing.objects.create(
        provider=provider,
        community=community,
        status=Status.APPROVED,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    log_action(
        actor=actor,
        action="provider.entered",
        target=listing,
        community=community,
        data={"provider": provider.name, "owner": owner.masked_mobile if owner else ""},
        request=request,
    )
    return listing


# --- Each community's decisions --------------------------------------------------------------------


def _locked(listing: ProviderListing) -> ProviderListing:
    return (
        ProviderListing.objects.select_for_update(of=("self",))
        .select_related("provider", "community")
        .get(pk=listing.pk)
    )


def _decide(
    listing: ProviderListing,
    *,
    status: str,
    action: str,
    actor: User | None,
    reason: str = "",
    for_licence: bool = False,
    for_agreement: bool = False,
    request: HttpRequest | None = None,
) -> ProviderListing:
    before = listing.status
    listing.status = status
    listing.reason = reason
    listing.suspended_for_licence = for_licence
    listing.suspended_for_agreement = for_agreement
    listing.decided_by = actor
    listing.decided_at = timezone.now()
    listing.save(
        update_fields=[
            "status", "reason", "suspended_for_licence", "suspended_for_agreement",
            "decided_by", "decided_at",
        ]
    )  # fmt: skip
    log_action(
        actor=actor,
        action=action,
        target=listing,
        community=listing.community,
        data={"from": before, "to": status, "reason": reason},
        request=request,
    )
    notify(
        "provider.listing_decided",
        _member_ids(listing.provider),
        obj=listing,
        key=f"{action}-{listing.decided_at.timestamp():.0f}",
        context={"listing": listing, "provider": listing.provider},
        url=reverse("services_provider:provider_home"),
    )
    return listing


def _refuse_unless(listing: ProviderListing, *allowed: str) -> None:
    if listing.status not in allowed:
        raise ValidationError(
            _("This provider is now “%(status)s”: the page was out of date, nothing was changed.")
            % {"status": listing.get_status_display()}
        )


def _refuse_agreement_hold(listing: ProviderListing) -> None:
    if listing.provider.agreement_hold:
        raise ValidationError(
            _(
                "The platform's agreement with this provider has ended: it may be listed again "
                "once a new agreement is in force."
            )
        )


def _refuse_expired_licence(listing: ProviderListing) -> None:
    if licence_expired(listing.provider):
        raise ValidationError(
            _("The business licence expired on %(date)s: the provider must renew it first.")
            % {"date": listing.provider.licence_expires_on.isoformat()}
        )


@transaction.atomic
def listing_approve(
    *, listing: ProviderListing, actor: User, request: HttpRequest | None = None
) -> ProviderListing:
    listing = _locked(listing)
    _refuse_unless(listing, Status.PENDING, Status.REJECTED)
    _refuse_expired_licence(listing)
    _refuse_agreement_hold(listing)
    return _decide(
        listing, status=Status.APPROVED, action="provider.approved", actor=actor, request=request
    )


@transaction.atomic
def listing_reject(
    *, listing: ProviderListing, actor: User, reason: str, request: HttpRequest | None = None
) -> ProviderListing:
    listing = _locked(listing)
    _refuse_unless(listing, Status.PENDING)
    return _decide(
        listing,
        status=Status.REJECTED,
        action="provider.rejected",
        actor=actor,
        reason=reason,
        request=request,
    )


@transaction.atomic
def listing_suspend(
    *, listing: ProviderListing, actor: User, reason: str, request: HttpRequest | None = None
) -> ProviderListing:
    listing = _locked(listing)
    _refuse_unless(listing, Status.APPROVED)
    return _decide(
        listing,
        status=Status.SUSPENDED,
        action="provider.suspended",
        actor=actor,
        reason=reason,
        request=request,
    )


@transaction.atomic
def listing_reinstate(
    *, listing: ProviderListing, actor: User, request: HttpRequest | None = None
) -> ProviderListing:
    listing = _locked(listing)
    _refuse_unless(listing, Status.SUSPENDED)
    _refuse_expired_licence(listing)
    _refuse_agreement_hold(listing)
    return _decide(
        listing, status=Status.APPROVED, action="provider.reinstated", actor=actor, request=request
    )


# --- The licence -----------------------------------------------------------------------------------


def licence_check(today: dt.date | None = None) -> dict[str, int]:
    """The daily job: warn once 30 days ahead, suspend every approved listing once expired."""
    today = today or timezone.localdate()
    warned = 0
    due = Provider.objects.filter(
        licence_warned_on__isnull=True,
        licence_expires_on__gte=today,
        licence_expires_on__lte=today + dt.timedelta(days=WARN_DAYS),
    ).values_list("pk", flat=True)
    for provider_id in list(due):
        warned += _licence_warn(provider_id, today)
    suspended = 0
    expired = ProviderListing.objects.filter(
        status=Status.APPROVED, provider__licence_expires_on__lt=today
    ).values_list("pk", flat=True)
    for listing_id in list(expired):
        suspended += _licence_suspend(listing_id, today)
    return {"warned": warned, "suspended": suspended}


@transaction.atomic
def _licence_warn(provider_id: int, today: dt.date) -> int:
    provider = Provider.objects.select_for_update().get(pk=provider_id)
    if provider.licence_warned_on is not None:
        return 0
    provider.licence_warned_on = today
    provider.save(update_fields=["licence_warned_on"])
    context = {"provider": provider, "days": (provider.licence_expires_on - today).days}
    key = f"licence-{provider.licence_expires_on.isoformat()}"
    notify(
        "provider.licence_expiring",
        _member_ids(provider),
        obj=provider,
        key=key,
        context=context,
        url=reverse("services_provider:provider_profile"),
    )
    listings = provider.listings.exclude(status=Status.REJECTED).select_related("community")
    for listing in listings:
        notify(
            "provider.licence_expiring",
            staff_with_permission(listing.community, REVIEW_PERMISSION),
            obj=provider,
            key=key,
            context=context,
            url=reverse("services_staff:provider_listing", args=[listing.pk]),
        )
    return 1


@transaction.atomic
def _licence_suspend(listing_id: int, today: dt.date) -> int:
    listing = (
        ProviderListing.objects.select_for_update(of=("self",))
        .select_related("provider", "community")
        .get(pk=listing_id)
    )
    if listing.status != Status.APPROVED or not licence_expired(listing.provider, today):
        return 0
    reason = _("The business licence expired on %(date)s.") % {
        "date": listing.provider.licence_expires_on.isoformat()
    }
    _decide(
        listing,
        status=Status.SUSPENDED,
        action="provider.licence_suspended",
        actor=None,
        reason=reason,
        for_licence=True,
    )
    return 1


@transaction.atomic
def licence_renew(
    *,
    provider: Provider,
    actor: User,
    image: ContentFile,
    number: str,
    expires_on: dt.date,
    request: HttpRequest | None = None,
) -> Provider:
    """A renewed licence: the warning may go out again for it, and the listings suspended for
    the old one go back to the communities' reviewers."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if expires_on <= timezone.localdate():
        raise ValidationError(
            {"licence_expires_on": _("The licence must still be valid: give a date in the future.")}
        )
    previous = provider.licence_expires_on
    provider.licence_image.save("licence.jpg", image, save=False)
    provider.licence_number = number
    provider.licence_expires_on = expires_on
    provider.licence_warned_on = None
    provider.save(
        update_fields=["licence_image", "licence_number", "licence_expires_on", "licence_warned_on"]
    )
    log_action(
        actor=actor,
        action="provider.licence_renewed",
        target=provider,
        data={"from": previous.isoformat(), "to": expires_on.isoformat()},
        request=request,
    )
    listings = ProviderListing.objects.select_for_update(of=("self",)).filter(
        provider=provider, status=Status.SUSPENDED, suspended_for_licence=True
    )
    for listing in listings.select_related("community", "provider"):
        listing.status = Status.PENDING
        listing.suspended_for_licence = False
        listing.reason = ""
        listing.save(update_fields=["status", "suspended_for_licence", "reason"])
        log_action(
            actor=actor,
            action="provider.resubmitted",
            target=listing,
            community=listing.community,
            data={"licence_expires_on": expires_on.isoformat()},
            request=request,
        )
        _tell_reviewers(listing, "provider.resubmitted")
    return provider


# --- The platform's agreement (PPAR-2: the partners part of platform_admin calls these) ---------


def _tell_reviewers_of_agreement(listing: ProviderListing, event: str) -> None:
    notify(
        event,
        staff_with_permission(listing.community, REVIEW_PERMISSION),
        obj=listing,
        key=f"{event}-{listing.decided_at.timestamp():.0f}",
        context={"listing": listing, "provider": listing.provider},
        url=reverse("services_staff:provider_listing", args=[listing.pk]),
    )


@transaction.atomic
def provider_hold_for_agreement(*, provider_id: int, reason: str) -> int:
    """No agreement with the provider is in force any more: every approved listing is
    suspended (audited with no actor, the provider and each community's reviewers told) and
    no listing may be approved or reinstated until `provider_release_after_agreement`.
    Idempotent: a provider already held changes nothing. Returns the listings suspended."""
    provider = Provider.objects.select_for_update().get(pk=provider_id)
    if provider.agreement_hold:
        return 0
    provider.agreement_hold = reason[:200]
    provider.save(update_fields=["agreement_hold"])
    listings = ProviderListing.objects.select_for_update(of=("self",)).filter(
        provider=provider, status=Status.APPROVED
    )
    suspended = 0
    for listing in listings.select_related("community", "provider"):
        _decide(
            listing,
            status=Status.SUSPENDED,
            action="provider.agreement_suspended",
            actor=None,
            reason=reason[:200],
            for_agreement=True,
        )
        _tell_reviewers_of_agreement(listing, "provider.agreement_suspended")
        suspended += 1
    return suspended


@transaction.atomic
def provider_release_after_agreement(*, provider_id: int) -> int:
    """A new agreement is in force: the hold is lifted and the listings suspended for the
    ended one are approved again, as they were (a licence that expired meanwhile keeps them
    suspended, now for the licence). Idempotent. Returns the listings reinstated."""
    provider = Provider.objects.select_for_update().get(pk=provider_id)
    if not provider.agreement_hold:
        return 0
    provider.agreement_hold = ""
    provider.save(update_fields=["agreement_hold"])
    listings = ProviderListing.objects.select_for_update(of=("self",)).filter(
        provider=provider, status=Status.SUSPENDED, suspended_for_agreement=True
    )
    reinstated = 0
    for listing in listings.select_related("community", "provider"):
        if licence_expired(provider):
            reason = _("The business licence expired on %(date)s.") % {
                "date": provider.licence_expires_on.isoformat()
            }
            listing.suspended_for_agreement = False
            listing.suspended_for_licence = True
            listing.reason = reason
            listing.save(
                update_fields=["suspended_for_agreement", "suspended_for_licence", "reason"]
            )
            continue
        _decide(
            listing,
            status=Status.APPROVED,
            action="provider.agreement_reinstated",
            actor=None,
        )
        _tell_reviewers_of_agreement(listing, "provider.agreement_reinstated")
        reinstated += 1
    return reinstated


# --- The provider's own pages ----------------------------------------------------------------------


@transaction.atomic
def provider_update(
    *,
    provider: Provider,
    actor: User,
    profile: dict,
    categories: Iterable,
    items_formset,
    hours: list[tuple[int, dt.time, dt.time]],
    request: HttpRequest | None = None,
) -> Provider:
    """The profile, the items (a validated formset: removed items stop being offered, since
    bookings may point at them) and the working hours."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    changed = [k for k in PROFILE_FIELDS if k in profile and getattr(provider, k) != profile[k]]
    for key in changed:
        setattr(provider, key, profile[key])
    provider.save(update_fields=changed or None)
    provider.categories.set(categories)
    for form in items_formset.forms:
        instance = form.instance
        if instance.pk and items_formset._should_delete_form(form):
            ServiceItem.objects.filter(pk=instance.pk, provider=provider).update(is_active=False)
        elif form.has_changed() and not items_formset._should_delete_form(form):
            item = form.save(commit=False)
            if item.pk and item.provider_id != provider.pk:
                continue
            item.provider = provider
            item.save()
    _save_hours(provider, hours)
    log_action(
        actor=actor,
        action="provider.profile_changed",
        target=provider,
        data={"fields": changed},
        request=request,
    )
    return provider


def _owner_only(member: ProviderMember) -> None:
    if member.role != ProviderMember.Role.OWNER:
        raise ValidationError(_("Only the owner of the provider account may change its members."))


@transaction.atomic
def member_add(
    *, by: ProviderMember, mobile: str, request: HttpRequest | None = None
) -> ProviderMember:
    _owner_only(by)
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    if user is None:
        raise ValidationError(
            {"mobile": _("No account has this mobile number: ask them to register first.")}
        )
    other = ProviderMember.objects.filter(user=user, is_active=True).exclude(provider=by.provider)
    if other.exists():
        raise ValidationError({"mobile": _("This account already works for a service provider.")})
    member, created = ProviderMember.objects.get_or_create(
        provider=by.provider, user=user, defaults={"role": ProviderMember.Role.WORKER}
    )
    if not created and member.is_active:
        raise ValidationError({"mobile": _("This person is already a member.")})
    if not created:
        member.is_active = True
        member.role = ProviderMember.Role.WORKER
        member.save(update_fields=["is_active", "role"])
    log_action(
        actor=by.user,
        action="provider.member_added",
        target=by.provider,
        data={"member": user.masked_mobile},
        request=request,
    )
    return member


@transaction.atomic
def member_remove(
    *, by: ProviderMember, member: ProviderMember, request: HttpRequest | None = None
) -> None:
    _owner_only(by)
    if member.provider_id != by.provider_id or member.role == ProviderMember.Role.OWNER:
        raise ValidationError(_("The owner cannot be removed."))
    member.is_active = False
    member.save(update_fields=["is_active"])
    log_action(
        actor=by.user,
        action="provider.member_removed",
        target=by.provider,
        data={"member": member.user.masked_mobile},
        request=request,
    )
