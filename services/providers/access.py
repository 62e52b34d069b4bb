"""Who may use the provider pages (under /provider/): an active member of a provider that is
active on the platform. Every provider page goes through `provider_required`; its objects are
looked up within `request.provider_member.provider`, so another provider's booking is a 404."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import ProviderMember


def member_of(user) -> ProviderMember | None:
    if not user.is_authenticated:
        return None
    return (
        ProviderMember.objects.select_related("provider")
        .filter(user=user, is_active=True, provider__is_active=True)
        .order_by("pk")
        .first()
    )


def provider_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        member = member_of(request.user)
        if member is None:
            return render(request, "provider/not_member.html", status=403)
        request.provider_member = member
        request.provider = member.provider
        return view(request, *args, **kwargs)

    return wrapped
