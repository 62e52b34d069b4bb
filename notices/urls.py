from django.urls import path

from .views import push, resident

app_name = "notices"

urlpatterns = [
    path("notices/", resident.board, name="board"),
    path("notices/<int:notice_id>/", resident.detail, name="detail"),
    path(
        "notices/<int:notice_id>/files/<int:attachment_id>/",
        resident.attachment,
        name="attachment",
    ),
    path("messages/", resident.inbox, name="inbox"),
    path("messages/<int:message_id>/", resident.message_open, name="message_open"),
    path("messages/read-all/", resident.messages_read_all, name="messages_read_all"),
    path("me/notifications/", resident.settings, name="settings"),
    path("push/subscribe/", push.subscribe, name="push_subscribe"),
    path("push/unsubscribe/", push.unsubscribe, name="push_unsubscribe"),
    path("sw.js", push.service_worker, name="service_worker"),
    path("manifest.webmanifest", push.manifest, name="manifest"),
]
