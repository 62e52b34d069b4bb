"""Placeholder: replaced by the real pages."""

from django.http import HttpResponse


def job_list(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_detail(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_grab(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_accept(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_start(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_note(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_finish(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_position(request, **kwargs) -> HttpResponse:
    raise NotImplementedError


def job_sharing(request, **kwargs) -> HttpResponse:
    raise NotImplementedError
