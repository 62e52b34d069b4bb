"""The hub's piece about suggestions (`resident/complaints/suggestions/_mine.html`): the
household's suggestions, read here so that the hub's view needs to know nothing of them."""

from django import template

from complaints.suggestions import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_suggestions(context) -> list:
    """The signed-in person's households' latest suggestions."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return selectors.suggestions_of_households(user, limit=10)
