"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def bills(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def bill_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def trend(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def trend_chart(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def history(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def receipt(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
