from django.urls import path

from .views import files, performance, staff

app_name = "repairs_staff"

urlpatterns = [
    path("repairs/", staff.queue, name="queue"),
    path("repairs/board/", staff.board, name="board"),
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
    path("repairs/<int:order_id>/files/<int:repair_file_id>/", files.staff_file, name="file"),
]
