"""`{% review_box booking as box %}`: what the review box of a booking shows to the person
looking (the bookings part includes the box on its booking page)."""

from django import template

from ..catalogue import selectors
from ..catalogue.forms import ReviewForm
from ..models import Booking

register = template.Library()


@register.simple_tag(takes_context=True)
def review_box(context, booking: Booking) -> dict:
    user = context["request"].user
    review = selectors.review_of(booking)
    may_write = (
        review is None
        and booking.status == Booking.Status.DONE
        and selectors.household_may_review(user, booking)
    )
    return {
        "review": review,
        "may_write": may_write,
        "form": context.get("review_form") or ReviewForm(),
    }
