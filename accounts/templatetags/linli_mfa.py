from django import template

from accounts import mfa

register = template.Library()


@register.simple_tag(takes_context=True)
def second_factor_continue_url(context) -> str:
    """Where the two-step verification pages send the person on (accounts.mfa.continue_url)."""
    return mfa.continue_url(context["request"])
