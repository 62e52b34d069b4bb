"""Endpoint URLs of our OAuth2 adapters, each settable per provider in settings
(SOCIALACCOUNT_PROVIDERS[<id>]["AUTHORIZE_URL"], ...; the local sandbox uses this)."""


def endpoint(key: str) -> property:
    """The URL under `key` in the provider's settings, else the adapter's default_<key>."""
    default_attribute = "default_" + key.lower()

    def url(adapter) -> str:
        return adapter.get_provider().get_settings().get(key, getattr(adapter, default_attribute))

    return property(url)


class SettingsEndpointsMixin:
    """authorize_url, access_token_url and profile_url from settings, else the adapter's
    default_authorize_url, default_access_token_url and default_profile_url."""

    authorize_url = endpoint("AUTHORIZE_URL")
    access_token_url = endpoint("ACCESS_TOKEN_URL")
    profile_url = endpoint("PROFILE_URL")
