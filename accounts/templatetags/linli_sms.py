"""`{% sms_resend_after as seconds %}`: the seconds a "Get code" button waits before it can
send again (accounts.limits.resend_after), for data-countdown (static/shared/countdown.js)."""

from django import template

from .. import limits

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_resend_after(context) -> int:
    request = context.get("request")
    return limits.resend_after(request) if request is not None else 0
