"""Demo data of the attendance part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
