"""Per request: the upload budget of kit.images, and the per-account upload limit."""

from django.http import HttpRequest, HttpResponse

from kit import images
from kit.net import client_ip

from . import limits


class UploadBudgetMiddleware:
    """Gives every request its UploadBudget (pixels all its images may decode together), and
    counts a POST that carries files against LINLI_ACTION_LIMITS["upload"] for its account and
    address. The count is taken here, outside any transaction of the view, so that a refused
    or failed upload counts too. Over the limit, the request still reaches its view: each file
    is then refused by the form with the reason, next to what the person typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = ""
        # Only multipart bodies carry files; reading any other body here would take it from a
        # view that reads it raw (payment notifications).
        multipart = request.content_type == "multipart/form-data"
        if request.method == "POST" and multipart and request.FILES:
            user = request.user if request.user.is_authenticated else None
            try:
                limits.throttle("upload", user=user, ip=client_ip(request))
            except limits.LimitExceeded as exceeded:
                refusal = exceeded.message
        token = images.start_budget(refusal)
        try:
            return self.get_response(request)
        finally:
            images.end_budget(token)
