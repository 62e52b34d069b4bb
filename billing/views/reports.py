"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def bills(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def dun(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def reports(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def report_chart(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
