"""Demo data of the providers part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
