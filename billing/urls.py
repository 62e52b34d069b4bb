from django.urls import path

from .views import documents, pay, resident

app_name = "billing"

urlpatterns = [
    path("bills/", resident.bills, name="bills"),
    path("bills/<int:bill_id>/", resident.bill_detail, name="bill"),
    path("bills/trend/", resident.trend, name="trend"),
    path("bills/trend.svg", resident.trend_chart, name="trend_chart"),
    path("bills/history/", resident.history, name="history"),
    path("bills/pay/", pay.pay, name="pay"),
    path("pay/<str:number>/", pay.payment, name="payment"),
    path("pay/<str:number>/continue/", pay.payment_continue, name="payment_continue"),
    path("pay/<str:number>/cancel/", pay.payment_cancel, name="payment_cancel"),
    path("pay/notify/<str:method>/", pay.notify, name="payment_notify"),
    path("pay/sandbox/<str:number>/", pay.sandbox_pay, name="sandbox_pay"),
    path("receipts/<int:receipt_id>/", resident.receipt, name="receipt"),
    path("receipts/<int:receipt_id>/pdf/", documents.resident_receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:receipt_id>/png/", documents.resident_receipt_png, name="receipt_png"),
    path("r/<str:token>/", documents.verify, name="verify"),
]
