from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


board = detail = attachment = inbox = message_open = messages_read_all = settings = _todo
