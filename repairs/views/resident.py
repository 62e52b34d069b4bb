"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def order_list(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_create(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_live(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_cancel(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_rate(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
