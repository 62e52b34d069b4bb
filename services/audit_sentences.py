"""How parcels, activities, bookings, reviews and providers read in 操作日志 (kit.audit)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import ActivitySignup, Booking, ProviderListing


def register() -> None:
    booking = {"from": Booking.Status, "to": Booking.Status}
    booking_moved = Sentence(
        _("%(actor)s moved booking %(target)s from “%(from)s” to “%(to)s”"), choices=booking
    )
    listing = {"from": ProviderListing.Status, "to": ProviderListing.Status}
    provider_moved = Sentence(
        _("%(actor)s moved provider %(target)s from “%(from)s” to “%(to)s”"), choices=listing
    )
    register_modules(
        {
            "parcel": _("Parcels"),
            "activity": _("Activities"),
            "booking": _("Service bookings"),
            "service": _("Service reviews"),
            "provider": _("Service providers"),
        }
    )
    sentences = {
        "parcel.logged": _("%(actor)s logged a parcel for %(room)s (%(carrier)s, shelf %(shelf)s)"),
        "parcel.picked_up": _("%(actor)s handed over parcel %(code)s to %(collected_by)s"),
        "parcel.returned": _("%(actor)s returned parcel %(code)s to the carrier: %(reason)s"),
        "activity.created": _("%(actor)s created the activity %(target)s"),
        "activity.changed": _("%(actor)s changed the activity %(target)s"),
        "activity.published": _("%(actor)s published the activity %(target)s"),
        "activity.cancelled": _(
            "%(actor)s cancelled the activity %(target)s (%(signups)s sign-ups): %(reason)s"
        ),
        "activity.checked_in": _("%(actor)s checked in %(people)s at %(target)s"),
        "activity.signed_up": Sentence(
            _("%(actor)s signed up %(people)s for %(target)s (%(status)s)"),
            choices={"status": ActivitySignup.Status},
        ),
        "activity.signup_cancelled": _("%(actor)s cancelled the sign-up %(target)s"),
        "activity.signup_approved": _("%(actor)s approved the sign-up %(target)s"),
        "activity.signup_refused": _("%(actor)s refused the sign-up %(target)s: %(reason)s"),
        "activity.place_offered": _("A freed place was offered to %(target)s"),
        "activity.place_claimed": _("%(actor)s claimed the offered place %(target)s"),
        "activity.place_declined": _("%(actor)s declined the offered place %(target)s"),
        "activity.offer_expired": _("The offered place %(target)s expired"),
        "booking.created": _("%(actor)s booked %(item)s (%(target)s) for %(slot)s"),
        "service.reviewed": _("%(actor)s reviewed booking %(booking)s: %(rating)s stars"),
        "service.review_replied": _("%(actor)s replied to the review %(target)s"),
        "service.review_hidden": _("%(actor)s hid the review %(target)s: %(reason)s"),
        "service.review_unhidden": _("%(actor)s showed the review %(target)s again: %(reason)s"),
        "provider.applied": _("%(actor)s applied as provider %(provider)s"),
        "provider.entered": _("%(actor)s entered the provider %(provider)s"),
        "provider.licence_renewed": _("%(actor)s renewed the licence of %(target)s until %(to)s"),
        "provider.resubmitted": _("%(target)s is back for review after a licence renewal"),
        "provider.profile_changed": _("%(actor)s changed the profile of %(target)s"),
        "provider.member_added": _("%(actor)s added %(member)s to %(target)s"),
        "provider.member_removed": _("%(actor)s removed %(member)s from %(target)s"),
    }
    for kind in ("confirmed", "in_service", "done", "no_show", "cancelled"):
        sentences[f"booking.{kind}"] = booking_moved
    for kind in (
        "approved", "rejected", "suspended", "reinstated", "licence_suspended",
        "agreement_suspended", "agreement_reinstated",
    ):  # fmt: skip
        sentences[f"provider.{kind}"] = provider_moved
    register_sentences(sentences)  # fmt: skip
