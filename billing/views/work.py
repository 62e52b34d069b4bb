"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def runs(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def run_new(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def run_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def run_publish(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def counter(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def counter_room(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def payments(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def payment_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def payment_refund(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def bill_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def bill_waive(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
