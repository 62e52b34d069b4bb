from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


notice_list = notice_create = notice_preview = notice_detail = notice_edit = _todo
notice_withdraw = notice_pin = notice_attachment = _todo
