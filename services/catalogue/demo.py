"""Demo data of the catalogue part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
