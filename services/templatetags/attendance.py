"""Template helpers of the attendance part, for the sign-up pass partial that the activities
part includes on its resident page (`{% load attendance %}`)."""

import segno
from django import template
from django.utils.safestring import mark_safe

from ..attendance import selectors

register = template.Library()


@register.simple_tag
def signup_qr(signup) -> str:
    """The sign-up's check-in code as an inline SVG QR code (drawn on the server): the plain
    code, so the desk's scanner puts it straight into its code box."""
    svg = segno.make_qr(signup.code, error="m").svg_inline(
        scale=6, dark="#111", light="#fff", omitsize=True, title=signup.code
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup around a code it encoded


@register.simple_tag
def self_checkin_open(activity) -> bool:
    return selectors.self_checkin_open(activity)


@register.simple_tag
def signup_people(signup) -> list:
    return selectors.participants_of(signup)


@register.simple_tag(takes_context=True)
def staff_may(context, perm: str) -> bool:
    """Whether the staff member may do `perm` in the community they are working on."""
    from staff.access import staff_has_perm

    request = context.get("request")
    return bool(request is not None and staff_has_perm(request, perm))


@register.filter
def percent(value) -> str:
    """A fraction (0.8333) as 83.3%; — when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"
