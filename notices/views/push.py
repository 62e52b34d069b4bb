from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


subscribe = unsubscribe = service_worker = manifest = _todo
