"""Operators' admin of the business roll-up: written by the platform itself, so read-only."""

from django.contrib import admin

from kit.admin import ReadOnlyAdmin

from .models import BusinessRollup, DailyPayments, MonthlyBills, MonthlyRepairs


@admin.register(BusinessRollup)
class BusinessRollupAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "months_through", "days_through", "bill_rows",
                    "payment_rows", "repair_rows"]  # fmt: skip


@admin.register(MonthlyBills)
class MonthlyBillsAdmin(ReadOnlyAdmin):
    list_display = ["month", "community", "bills", "billed", "waived", "collected", "arrears"]
    list_filter = ["community"]
    date_hierarchy = "month"
    list_select_related = ["community"]


@admin.register(DailyPayments)
class DailyPaymentsAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "method", "received", "late_fees"]
    list_filter = ["method", "community"]
    date_hierarchy = "day"
    list_select_related = ["community"]
    show_full_result_count = False


@admin.register(MonthlyRepairs)
class MonthlyRepairsAdmin(ReadOnlyAdmin):
    list_display = ["month", "community", "reported", "cancelled", "completed", "timed",
                    "on_time", "ratings"]  # fmt: skip
    list_filter = ["community"]
    date_hierarchy = "month"
    list_select_related = ["community"]
