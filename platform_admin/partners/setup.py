"""The partners part of platform_admin: what it registers (called from PlatformAdminConfig.ready)."""


def register() -> None:
    pass
