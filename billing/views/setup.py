"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def rules(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def rule_adopt(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def rule_edit(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def price_add(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def readings(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def readings_import(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def reminder_settings(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
