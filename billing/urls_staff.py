from django.urls import path

from .views import charges, counter, documents, reports, setup, work

app_name = "billing_staff"

urlpatterns = [
    # Fee rules, prices and meter readings (setup)
    path("billing/rules/", setup.rules, name="rules"),
    path("billing/rules/adopt/", setup.rule_adopt, name="rule_adopt"),
    path("billing/rules/<int:rule_id>/", setup.rule_edit, name="rule_edit"),
    path("billing/rules/<int:rule_id>/prices/", setup.price_add, name="price_add"),
    path("billing/readings/", setup.readings, name="readings"),
    path("billing/readings/import/", setup.readings_import, name="readings_import"),
    path("billing/settings/", setup.reminder_settings, name="settings"),
    # Bill runs, counter payments, bills and payments (work)
    path("billing/runs/", work.runs, name="runs"),
    path("billing/runs/new/", work.run_new, name="run_new"),
    path("billing/runs/<int:run_id>/", work.run_detail, name="run_detail"),
    path("billing/runs/<int:run_id>/publish/", work.run_publish, name="run_publish"),
    # Draft runs discarded or computed again; single charges (SBIL-1); exports (issue 19)
    path("billing/runs/<int:run_id>/discard/", work.run_discard, name="run_discard"),
    path("billing/runs/<int:run_id>/regenerate/", work.run_regenerate, name="run_regenerate"),
    path("billing/charges/", charges.charges, name="charges"),
    path("billing/charges/new/", charges.charge_new, name="charge_new"),
    path("billing/charges/publish/", charges.charges_publish, name="charges_publish"),
    path("billing/charges/delete/", charges.charges_delete, name="charges_delete"),
    path("billing/bills/export/", reports.bills_export, name="bills_export"),
    path("billing/bills/arrears-export/", reports.arrears_export, name="arrears_export"),
    path("billing/payments/export/", reports.payments_export, name="payments_export"),
    path("billing/counter/", work.counter, name="counter"),
    path("billing/counter/<int:room_id>/", work.counter_room, name="counter_room"),
    path("billing/payments/", work.payments, name="payments"),
    path("billing/payments/<int:payment_id>/", work.payment_detail, name="payment_detail"),
    path("billing/payments/<int:payment_id>/refund/", work.payment_refund, name="refund"),
    path("billing/bills/<int:bill_id>/", work.bill_detail, name="bill_detail"),
    path("billing/bills/<int:bill_id>/waive/", work.bill_waive, name="waive"),
    # The counter as cashiers work it: prepaid balances, voiding receipts, the cashier's day
    path("billing/counter/<int:room_id>/prepay/", counter.prepay, name="prepay"),
    path(
        "billing/counter/<int:room_id>/prepay/refund/", counter.prepay_refund, name="prepay_refund"
    ),
    path("billing/payments/<int:payment_id>/void/", counter.payment_void, name="void"),
    path("billing/cashier-days/", counter.cashier_days, name="cashier_days"),
    # One cashier's day: ?cashier=<user id>&day=YYYY-MM-DD (default: one's own, today).
    path("billing/cashier-days/day/", counter.cashier_day, name="cashier_day"),
    path("billing/cashier-days/day/close/", counter.cashier_day_close, name="cashier_day_close"),
    path("billing/cashier-days/day/export/", counter.cashier_day_export, name="cashier_day_export"),
    # Arrears, dunning and reports (reports)
    path("billing/bills/", reports.bills, name="bills"),
    path("billing/bills/dun/", reports.dun, name="dun"),
    path("billing/reports/", reports.reports, name="reports"),
    path("billing/reports/chart.svg", reports.report_chart, name="report_chart"),
    # Documents
    path("billing/bills/notice.pdf", documents.dunning_pdf, name="dunning_pdf"),
    path("billing/receipts/<int:receipt_id>/pdf/", documents.staff_receipt_pdf, name="receipt_pdf"),
]
