"""Demo data of the activities part, called from services.demo.seed_services."""


def seed(community) -> None:
    pass
