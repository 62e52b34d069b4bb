"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def ratings(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def performance(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
