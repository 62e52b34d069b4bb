"""The outside channels of bench/load.py: every send is one line in LOAD_DELIVERY_LOG
("<delivery id> <channel> <recipient id> <pid>"), so that the bench can count how often
each delivery reached its provider. Named by NOTIFY_WEBPUSH_BACKEND, NOTIFY_WECHAT_BACKEND
and NOTIFY_SMS_BACKEND in the environment of the bench's web servers and worker."""

import os


class RecordingBackend:
    def send(self, delivery) -> None:
        line = f"{delivery.pk} {delivery.channel} {delivery.message.recipient_id} {os.getpid()}\n"
        # One write of a short line with O_APPEND: lines of several processes never mix.
        descriptor = os.open(
            os.environ["LOAD_DELIVERY_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644
        )
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
