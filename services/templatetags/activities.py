"""Template filters of the activity pages."""

from django import template

register = template.Library()


@register.filter
def answer(answers, index) -> str:
    """A household's answer to the activity's question number `index` (answers are kept by
    the question's position, as text)."""
    if not isinstance(answers, dict):
        return ""
    return answers.get(str(index), "")


@register.filter
def places_left(activity) -> int:
    return max(activity.capacity - activity.places_taken, 0)
