"""For the technician's phone layout (templates/technician/base.html), which has no side menu:
the unread count of the staff member's inbox, and an icon per message category."""

from django import template

from ..events import Category
from ..setup import unread_badge

register = template.Library()

ICONS = {
    Category.NOTICES: "megaphone",
    Category.REPAIRS: "tools",
    Category.BILLING: "receipt",
    Category.PAYMENTS: "credit-card",
    Category.COMMUNITY: "people",
    Category.ACCOUNT: "person",
}


@register.simple_tag(takes_context=True)
def unread_message_count(context) -> int:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return unread_badge(request)


@register.filter
def message_icon(message) -> str:
    return ICONS.get(message.category, "bell")
