"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def resident_receipt_pdf(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def verify(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def dunning_pdf(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def staff_receipt_pdf(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
