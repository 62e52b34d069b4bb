"""The bookings part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""


def register() -> None:
    pass
