"""Demo data of the bookings part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
