"""One-off charges that a module beside billing raises for a room (a paid repair's materials and
labour, say). Billing registers the one handler that turns a charge into a bill (SBIL-1's single
charge), so the other modules charge without importing billing (layers).

    from kit.charges import ChargeLine, RoomCharge, charge_room

    billed = charge_room(RoomCharge(room=order.room, title="维修费", lines=(...,), source=order,
                                    actor=request.user))
    billed.bill_number  # shown on the order

`charge_room` runs inside the caller's transaction: if the caller rolls back, no bill is left.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models


@dataclass(frozen=True)
class ChargeLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = ""

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RoomCharge:
    room: Any  # accounts.Room
    title: str
    lines: tuple[ChargeLine, ...]
    # The object the charge is for (a repair order); billing keeps a link and its label.
    source: models.Model | None = None
    actor: Any = None
    # Published at once (the resident already agreed to it) or left as a draft for review.
    publish: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class BilledCharge:
    bill_id: int
    bill_number: str
    amount: Decimal
    published: bool


_HANDLER: list[Callable[[RoomCharge], BilledCharge]] = []


def register_charge_handler(handler: Callable[[RoomCharge], BilledCharge]) -> None:
    """Billing's `AppConfig.ready` registers the handler; there is exactly one."""
    _HANDLER[:] = [handler]


def charge_room(charge: RoomCharge) -> BilledCharge:
    if not _HANDLER:
        raise RuntimeError("No charge handler is registered (is billing installed?)")
    return _HANDLER[0](charge)
