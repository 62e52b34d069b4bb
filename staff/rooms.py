"""Parts of the staff room page (一户一档) that other modules fill: billing (bills, arrears,
payments and meters), repairs, complaints, service bookings and parcels. The staff app may not
import them (layers), so they register here, as the resident home page's panels do in
accounts.portal.

`context(request, room)` returns the panel's template variables, or None when the staff member
may not see it (the panel is then left out). Keep it to a bounded number of queries, each on
an index that starts with the room. A panel may put figures for the page's summary strip in
`data["summary"]`: a list of `SummaryFigure`.

Moving a household out asks the modules what the room still owes (`register_move_out_check`):
billing answers with the room's unpaid bills and applies what staff chose to do with them."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Residency, Room, User


@dataclass(frozen=True)
class RoomPanel:
    name: str
    template: str
    context: Callable[[HttpRequest, Room], dict | None]
    order: int = 50
    # Half the page's width at 1440 (two panels side by side) unless wide.
    wide: bool = False


@dataclass(frozen=True)
class SummaryFigure:
    """One figure of the room page's summary strip (欠费, 未完成报修…)."""

    label: str
    value: str
    url: str = ""
    # "danger" / "warning" draw attention; "" is neutral.
    tone: str = ""
    order: int = 50


_ROOM_PANELS: dict[str, RoomPanel] = {}


def register_room_panel(panel: RoomPanel) -> None:
    _ROOM_PANELS[panel.name] = panel


def room_panels(request: HttpRequest, room: Room) -> list[dict]:
    """The panels to show on `room`'s page, in order: {"name", "template", "data", "wide"};
    the panel's template reads its variables as `data.<name>`."""
    shown = []
    for panel in sorted(_ROOM_PANELS.values(), key=lambda panel: (panel.order, panel.name)):
        data = panel.context(request, room)
        if data is not None:
            shown.append(
                {"name": panel.name, "template": panel.template, "data": data, "wide": panel.wide}
            )
    return shown


def summary_figures(panels: list[dict]) -> list[SummaryFigure]:
    """The summary strip's figures the shown panels brought, in order."""
    figures = [figure for panel in panels for figure in panel["data"].get("summary", ())]
    return sorted(figures, key=lambda figure: figure.order)


# --- Move-out ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenBill:
    """An unpaid bill of the room, as the move-out page lists it."""

    pk: int
    number: str
    title: str
    period: str
    outstanding: Decimal
    overdue: bool
    # Waiving is possible only for a bill nothing was paid on yet.
    waivable: bool
    url: str = ""


@dataclass(frozen=True)
class RoomDebts:
    bills: list[OpenBill]
    total: Decimal
    # Where the counter takes the room's payment ("" when the member may not collect).
    counter_url: str = ""
    can_waive: bool = False

    @property
    def waivable(self) -> list[OpenBill]:
        return [bill for bill in self.bills if bill.waivable]


@dataclass(frozen=True)
class MoveOutCheck:
    """What a module says about a room someone moves out of.

    `debts(request, room)` → RoomDebts or None (nothing owed, or not for this member to see);
    `waive(room, bill_ids, actor, reason, request)` waives those unpaid bills of the room in
    the caller's transaction and returns how many it waived."""

    debts: Callable[[HttpRequest, Room], RoomDebts | None]
    waive: Callable[..., int]


_MOVE_OUT_CHECKS: dict[str, MoveOutCheck] = {}


def register_move_out_check(name: str, check: MoveOutCheck) -> None:
    _MOVE_OUT_CHECKS[name] = check


def move_out_checks() -> list[MoveOutCheck]:
    return [_MOVE_OUT_CHECKS[name] for name in sorted(_MOVE_OUT_CHECKS)]


def room_debts(request: HttpRequest, room: Room) -> RoomDebts | None:
    """What the room still owes, from every module that registered a check (None: nothing)."""
    found = [debts for check in move_out_checks() if (debts := check.debts(request, room))]
    if not found:
        return None
    return RoomDebts(
        bills=[bill for debts in found for bill in debts.bills],
        total=sum((debts.total for debts in found), Decimal("0.00")),
        counter_url=next((debts.counter_url for debts in found if debts.counter_url), ""),
        can_waive=all(debts.can_waive for debts in found),
    )


KEEP, COUNTER, WAIVE = "keep", "counter", "waive"


@transaction.atomic
def move_out(
    *,
    residency: Residency,
    actor: User,
    request: HttpRequest,
    reason: str = "",
    bills: str = KEEP,
    waive_reason: str = "",
) -> Residency:
    """End `residency` (and its family's) and record what was decided about the room's unpaid
    bills: kept on the room, or waived (only by staff who may waive, only bills nothing was
    paid on). Settling at the counter happens before: the room then owes nothing."""
    recorded: dict = {}
    debts = (
        room_debts(request, residency.room)
        if residency.relation != Residency.Relation.FAMILY
        else None
    )
    if debts is not None:
        recorded = {
            "unpaid_bills": len(debts.bills),
            "unpaid_total": f"{debts.total:.2f}",
            "bills_choice": bills if bills == WAIVE else KEEP,
        }
        if bills == WAIVE:
            if not debts.can_waive:
                raise ValidationError(_("You may not waive bills."))
            ids = [bill.pk for bill in debts.waivable]
            recorded["waived_bills"] = sum(
                check.waive(
                    room=residency.room, bill_ids=ids, actor=actor, reason=waive_reason,
                    request=request,
                )
                for check in move_out_checks()
            )  # fmt: skip
            recorded["waive_reason"] = waive_reason.strip()
    return account_services.residency_end(
        residency=residency, actor=actor, request=request, reason=reason, recorded=recorded
    )
