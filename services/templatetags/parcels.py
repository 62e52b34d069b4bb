"""{% load parcels %}: the carrier's name from its stored key."""

from django import template

register = template.Library()


@register.filter
def carrier(key: str) -> str:
    from services.parcels.selectors import carrier_label

    return carrier_label(key)
