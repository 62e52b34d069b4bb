from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from accounts.portal import Tab, register_tab
        from kit.audit import register_actions
        from kit.charges import register_charge_handler
        from kit.parameters import LIST, Parameter, register_parameters
        from kit.periodic import Crontab, register_periodic_task
        from notices import events
        from notices.models import Importance
        from staff import menu, scoping, search, workday
        from staff.positions import CASHIER, FRONT_DESK, MANAGER, register_position_defaults

        from . import checks, room_panel, selectors, services  # noqa: F401  (checks register themselves)
        from .models import Bill, BillRun, FeeRule, Payment, Receipt
        from .search import SEARCHERS
        from .workday import SOURCE as WORKDAY

        workday.register(WORKDAY)
        for searcher in SEARCHERS:
            search.register(searcher)

        for event in (
            events.Event("bill.published", _("New bills"), events.Category.BILLING),
            events.Event("bill.due_soon", _("Bill due soon"), events.Category.BILLING),
            events.Event("bill.overdue", _("Bill overdue"), events.Category.BILLING,
                         Importance.IMPORTANT),
            events.Event("payment.receipt", _("Payment received, receipt issued"),
                         events.Category.PAYMENTS),
            events.Event("payment.succeeded", _("Online payment succeeded"),
                         events.Category.PAYMENTS),
            events.Event("payment.refunded", _("Payment refunded"), events.Category.PAYMENTS),
            events.Event("payment.alert", _("Online payment needs checking"),
                         events.Category.PAYMENTS, Importance.IMPORTANT),
        ):  # fmt: skip
            events.register(event)
        register_tab(
            Tab(
                _("Fees"),
                "billing:bills",
                "wallet",
                40,
                also=("/receipts/", "/pay/"),
                badge=lambda request: selectors.unpaid_bill_badge(request.user),
                badge_label=_("unpaid bills"),
            )  # fmt: skip
        )
        for entry in (
            menu.MenuEntry(_("Bills and arrears"), "billing_staff:bills", "receipt", 50,
                           "billing.view_bill", group=menu.FEES),
            menu.MenuEntry(_("Counter payments"), "billing_staff:counter", "cash-coin", 51,
                           "billing.collect_payment", group=menu.FEES),
            menu.MenuEntry(_("Cashier's days"), "billing_staff:cashier_days", "journal-check",
                           51, "billing.collect_payment", group=menu.FEES),
            menu.MenuEntry(_("Payments"), "billing_staff:payments", "credit-card", 51,
                           "billing.view_bill", badge=selectors.attention_badge, group=menu.FEES,
                           also=("/staff/billing/receipts/",)),
            menu.MenuEntry(_("Bill runs"), "billing_staff:runs", "collection", 52,
                           "billing.run_bills", group=menu.FEES),
            menu.MenuEntry(_("Single charges"), "billing_staff:charges", "receipt-cutoff", 52,
                           "billing.run_bills", group=menu.FEES),
            menu.MenuEntry(_("Meter readings"), "billing_staff:readings", "speedometer2", 53,
                           "billing.add_meterreading", group=menu.FEES),
            menu.MenuEntry(_("Fee rules"), "billing_staff:rules", "sliders", 54,
                           "billing.change_feerule", group=menu.FEES,
                           also=("/staff/billing/settings/",)),
            menu.MenuEntry(_("Collection reports"), "billing_staff:reports", "graph-up", 55,
                           "billing.view_billing_reports", group=menu.REPORTS),
        ):  # fmt: skip
            menu.register(entry)
        room_panel.register()
        register_charge_handler(services.handle_room_charge)
        scoping.register("bill_id", Bill, "community")
        scoping.register("run_id", BillRun, "community")
        scoping.register("rule_id", FeeRule, "community")
        scoping.register("payment_id", Payment, "community")
        scoping.register("receipt_id", Receipt, "payment__community")
        register_parameters(
            [
                Parameter(
                    key="billing.remind_days_before", module=_("Fees and payments"),
                    kind=LIST, default=[7, 3], minimum=1, maximum=90, company_override=True,
                    label=_("Reminders before the due date"), unit=_("days before"), order=10,
                    help=_("Where a community has not set its own reminder days yet."),
                ),
                Parameter(
                    key="billing.remind_days_after", module=_("Fees and payments"),
                    kind=LIST, default=[15, 1], minimum=1, maximum=90, company_override=True,
                    label=_("Overdue reminders"), unit=_("days after"), order=20,
                    help=_("Where a community has not set its own reminder days yet."),
                ),
            ]
        )  # fmt: skip
        register_actions(
            {
                "billing.rule_adopted": _("Fee rule adopted"),
                "billing.rule_saved": _("Fee rule changed"),
                "billing.price_set": _("Fee price set"),
                "billing.readings_imported": _("Meter readings imported"),
                "billing.run_created": _("Bill run created"),
                "billing.run_published": _("Bills published"),
                "billing.run_discarded": _("Draft bill run discarded"),
                "billing.run_regenerated": _("Draft bill run regenerated"),
                "billing.charge_created": _("Single charge entered"),
                "billing.charge_published": _("Single charge published"),
                "billing.charge_deleted": _("Draft single charge deleted"),
                "billing.paid": _("Payment received"),
                "billing.waived": _("Bill waived"),
                "billing.refunded": _("Payment refunded"),
                "billing.refund_requested": _("Refund requested"),
                "billing.paid_unapplied": _("Online payment for bills already paid"),
                "billing.payment_cancelled": _("Online payment cancelled by the payer"),
                "billing.dunned": _("Dunning reminders sent"),
                "billing.settings_saved": _("Reminder settings changed"),
                "billing.voided": _("Receipt voided"),
                "billing.prepayment_refunded": _("Prepaid money given back"),
                "billing.day_closed": _("Cashier's day handed over"),
            }
        )
        register_position_defaults(
            {
                MANAGER: [
                    "billing.view_bill",
                    "billing.collect_payment",
                    "billing.waive_bill",
                    "billing.refund_bill",
                    "billing.void_receipt",
                    "billing.run_bills",
                    "billing.add_meterreading",
                    "billing.add_feerule",
                    "billing.change_feerule",
                    "billing.view_billing_reports",
                ],
                FRONT_DESK: ["billing.view_bill"],
                CASHIER: [
                    "billing.view_bill",
                    "billing.collect_payment",
                    "billing.run_bills",
                    "billing.add_meterreading",
                    "billing.view_billing_reports",
                ],
            }
        )
        # The reminders run from 09:00 local every half hour until 20:30: each run sends only
        # what no earlier run did, so one the broker refused or a worker died in is made up by
        # the next. An entry still on the old once-a-day time (09:00) moves to this schedule.
        register_periodic_task(
            "账单到期与逾期提醒",
            task="billing.tasks.send_reminders_task",
            schedule=Crontab(minute=services.REMINDER_MINUTES, hour=services.REMINDER_HOURS),
            replaces=(Crontab(minute="0", hour="9"),),
        )
        register_periodic_task(
            "线上支付对账",
            task="billing.tasks.reconcile_payments_task",
            schedule=timedelta(minutes=2),
        )
