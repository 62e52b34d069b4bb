"""Demo data of the parcels part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
