"""Helpers for the forms of every app."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, QueryDict


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, default_field: str | None = None
) -> None:
    """A service's refusal onto the form that asked for it: each message at the field it
    names, else at `default_field` (None: above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(default_field, error)
        return
    for field, errors in error.error_dict.items():
        if field == NON_FIELD_ERRORS:
            form.add_error(None, errors)
            continue
        form.add_error(field if field in form.fields else default_field, errors)


def posted_data(request: HttpRequest) -> QueryDict | None:
    """The POST data, even when empty (an empty form must be bound to show its errors)."""
    return request.POST if request.method == "POST" else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple>: a list (maybe empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []
