"""What the staff order page shows of the desk's work on an order: the charges of a paid
repair (with their forms while they may change), the call-backs and the forms to record one."""

from django.http import HttpRequest

from staff.access import staff_has_perm

from .. import selectors
from ..forms.desk import CallbackForm, ChargeAgreeForm, charge_formset
from ..models import RepairOrder

DISPATCH = "repairs.dispatch_repairorder"
CHARGEABLE = (RepairOrder.Status.ACCEPTED, RepairOrder.Status.ASSIGNED,
              RepairOrder.Status.IN_PROGRESS, RepairOrder.Status.COMPLETED)  # fmt: skip


def desk_context(
    request: HttpRequest,
    order: RepairOrder,
    *,
    charge_forms=None,
    agree_form: ChargeAgreeForm | None = None,
    callback_form: CallbackForm | None = None,
) -> dict:
    may_dispatch = staff_has_perm(request, DISPATCH)
    charge = selectors.charge_of(order)
    charge_open = charge is None or not charge.is_agreed
    may_charge = (
        may_dispatch and order.room_id is not None and order.status in CHARGEABLE and charge_open
    )
    may_agree = may_dispatch and charge is not None and not charge.is_agreed
    if agree_form is None and may_agree:
        head = order.contact_name
        agree_form = ChargeAgreeForm(initial={"agreed_by_name": head})
    may_callback = may_dispatch and order.status == RepairOrder.Status.COMPLETED
    return {
        "charge": charge,
        "charge_forms": (charge_forms or charge_formset(charge)) if may_charge else None,
        "agree_form": agree_form if may_agree else None,
        "callbacks": selectors.callbacks_of(order),
        "callback_form": (callback_form or CallbackForm()) if may_callback else None,
    }
