"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def queue(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def board(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def categories(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def category_create(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def category_edit(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def slots(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def slot_create(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def slot_edit(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_accept(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_assign(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def order_cancel(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
