from django import template

from ..buttons import connection_rows, leading_provider, login_providers

register = template.Library()


@register.simple_tag(takes_context=True)
def social_login_providers(context, exclude=None):
    """`{% social_login_providers as providers %}`: see accounts.providers.buttons. `exclude`:
    a provider whose button the page already shows (the one leading it)."""
    shown = getattr(exclude, "id", None)
    return [provider for provider in login_providers(context["request"]) if provider.id != shown]


@register.simple_tag(takes_context=True)
def social_login_lead(context):
    """`{% social_login_lead as lead %}`: the provider whose button leads the login page, or
    None (see accounts.providers.buttons.leading_provider)."""
    return leading_provider(context["request"])


@register.simple_tag(takes_context=True)
def social_connection_rows(context, accounts):
    """`{% social_connection_rows form.accounts as rows %}`: see accounts.providers.buttons."""
    return connection_rows(context["request"], list(accounts))
