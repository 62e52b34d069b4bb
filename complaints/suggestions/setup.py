"""The suggestions part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`)."""


def register() -> None:
    pass
