from django.urls import path

from .views import staff

app_name = "notices_staff"

urlpatterns = [
    path("notices/", staff.notice_list, name="list"),
    path("notices/new/", staff.notice_create, name="create"),
    path("notices/preview/", staff.notice_preview, name="preview"),
    path("notices/<int:notice_id>/", staff.notice_detail, name="detail"),
    path("notices/<int:notice_id>/edit/", staff.notice_edit, name="edit"),
    path("notices/<int:notice_id>/withdraw/", staff.notice_withdraw, name="withdraw"),
    path("notices/<int:notice_id>/pin/", staff.notice_pin, name="pin"),
    path("notices/<int:notice_id>/publish/", staff.notice_publish, name="publish"),
    path("notices/<int:notice_id>/delete/", staff.notice_delete, name="delete"),
    path("notices/<int:notice_id>/approve/", staff.notice_approve, name="approve"),
    path("notices/<int:notice_id>/reject/", staff.notice_reject, name="reject"),
    path("notices/settings/", staff.notice_settings, name="settings"),
    path(
        "notices/<int:notice_id>/files/<int:attachment_id>/",
        staff.notice_attachment,
        name="attachment",
    ),
    path("messages/", staff.inbox, name="inbox"),
    path("messages/<int:message_id>/", staff.message_open, name="message_open"),
    path("messages/read-all/", staff.messages_read_all, name="messages_read_all"),
    path("messages/settings/", staff.message_settings, name="message_settings"),
]
