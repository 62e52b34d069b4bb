"""How billing's actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import Payment


def _run_period(entry, fields) -> dict:
    # A bill run is recorded as "<community id> <period>": only the period is for reading.
    return {"target": fields["target"].split(" ", 1)[-1]}


def register() -> None:
    method = {"method": Payment.Method}
    register_modules({"billing": _("Fees and payments")})
    register_sentences(
        {
            "billing.voided": _("%(actor)s voided receipt %(receipt)s of payment %(target)s (¥%(amount)s): %(reason)s; bills owed again: %(bills)s"),
            "billing.prepayment_refunded": _("%(actor)s gave back ¥%(amount)s of the prepaid balance of %(target)s: %(reason)s (balance ¥%(balance)s)"),
            "billing.day_closed": _("%(actor)s closed the cashier's day %(day)s: %(receipts)s receipts, cash expected ¥%(cash)s"),
            "billing.run_discarded": _("%(actor)s discarded the draft bill run %(target)s (%(period)s, %(bills)s bills, ¥%(total)s)"),
            "billing.run_regenerated": _("%(actor)s computed the draft bill run %(target)s again: %(bills)s bills, ¥%(total)s"),
            "billing.charge_created": _("%(actor)s entered a single charge for %(room)s: %(title)s ¥%(amount)s"),
            "billing.charge_published": _("%(actor)s published the single charge %(target)s for %(room)s: %(title)s ¥%(amount)s"),
            "billing.charge_deleted": _("%(actor)s deleted the draft single charge for %(room)s: %(title)s ¥%(amount)s"),
            "billing.rule_adopted": _("%(actor)s adopted the fee rule %(target)s from template %(template)s, valid from %(valid_from)s"),
            "billing.rule_saved": _("%(actor)s changed the fee rule %(target)s"),
            "billing.price_set": _("%(actor)s set the price of %(target)s to ¥%(unit_price)s from %(valid_from)s"),
            "billing.settings_saved": _("%(actor)s changed the bill reminder settings"),
            "billing.run_created": Sentence(
                _("%(actor)s generated a bill run for %(target)s: %(bills)s bills, ¥%(total)s"),
                build=_run_period,
            ),
            "billing.run_published": Sentence(
                _("%(actor)s published %(bills)s bills of the run for %(target)s"),
                build=_run_period,
            ),
            "billing.paid": Sentence(
                _("%(actor)s received ¥%(amount)s (%(method)s) for bills %(bills)s, receipt %(receipt)s"),
                choices=method,
            ),
            "billing.paid_unapplied": Sentence(
                _("Payment %(target)s of ¥%(amount)s (%(method)s) arrived for bills already paid"),
                choices=method,
            ),
            "billing.payment_cancelled": Sentence(
                _("%(actor)s cancelled the online payment %(target)s of ¥%(amount)s (%(method)s)"),
                choices=method,
            ),
            "billing.waived": _("%(actor)s waived bill %(target)s of ¥%(amount)s: %(reason)s"),
            "billing.dunned": _("%(actor)s sent dunning reminders for %(bills)s bills"),
            "billing.refund_requested": _("%(actor)s asked to refund ¥%(amount)s of payment %(target)s (%(refund)s): %(reason)s"),
            "billing.refunded": _("¥%(amount)s of payment %(target)s was refunded (%(refund)s)"),
            "billing.readings_imported": _("%(actor)s imported %(rows)s meter readings from %(file)s"),
        }
    )  # fmt: skip
