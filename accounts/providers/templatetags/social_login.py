from django import template

from ..buttons import connection_rows, login_providers

register = template.Library()


@register.simple_tag(takes_context=True)
def social_login_providers(context):
    """`{% social_login_providers as providers %}`: see accounts.providers.buttons."""
    return login_providers(context["request"])


@register.simple_tag(takes_context=True)
def social_connection_rows(context, accounts):
    """`{% social_connection_rows form.accounts as rows %}`: see accounts.providers.buttons."""
    return connection_rows(context["request"], list(accounts))
