from django import template

from ..portal import provider_tabs as _provider_tabs

register = template.Library()


@register.simple_tag(takes_context=True)
def provider_tabs(context) -> list[dict]:
    return _provider_tabs(context["request"].path)
