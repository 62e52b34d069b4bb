from django.urls import path

from .views import desk, files, performance, staff

app_name = "repairs_staff"

urlpatterns = [
    path("repairs/", staff.queue, name="queue"),
    path("repairs/board/", staff.board, name="board"),
    path("repairs/new/", desk.take_order, name="take"),
    path("repairs/export/", desk.queue_export, name="queue_export"),
    path("repairs/ratings/export/", desk.ratings_export, name="ratings_export"),
    path("repairs/categories/", staff.categories, name="categories"),
    path("repairs/categories/new/", staff.category_create, name="category_create"),
    path("repairs/categories/<int:category_id>/", staff.category_edit, name="category_edit"),
    path("repairs/slots/", staff.slots, name="slots"),
    path("repairs/slots/new/", staff.slot_create, name="slot_create"),
    path("repairs/slots/<int:slot_id>/", staff.slot_edit, name="slot_edit"),
    path("repairs/ratings/", performance.ratings, name="ratings"),
    path("repairs/performance/", performance.performance, name="performance"),
    path("repairs/<int:order_id>/", staff.order_detail, name="detail"),
    path("repairs/<int:order_id>/accept/", staff.order_accept, name="accept"),
    path("repairs/<int:order_id>/assign/", staff.order_assign, name="assign"),
    path("repairs/<int:order_id>/cancel/", staff.order_cancel, name="cancel"),
    path("repairs/<int:order_id>/charge/", desk.charge_save, name="charge"),
    path("repairs/<int:order_id>/charge/agree/", desk.charge_agree, name="charge_agree"),
    path("repairs/<int:order_id>/callback/", desk.callback, name="callback"),
    path("repairs/<int:order_id>/rating-reply/", desk.rating_reply, name="rating_reply"),
    path("repairs/<int:order_id>/sheet/", desk.dispatch_sheet, name="sheet"),
    path("repairs/<int:order_id>/files/<int:repair_file_id>/", files.staff_file, name="file"),
]
