"""kit.forms: a service's ValidationError onto the form, and the POST data of a bound form."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import RequestFactory

from kit.forms import add_service_errors, posted_data


class NameForm(forms.Form):
    name = forms.CharField(required=False)
    note = forms.CharField(required=False)


def bound_form() -> NameForm:
    form = NameForm({"name": "a", "note": ""})
    assert form.is_valid()
    return form


def test_messages_go_to_the_fields_they_name():
    form = bound_form()
    add_service_errors(form, ValidationError({"name": "taken", "unknown": "lost?"}), "note")
    assert form.errors == {"name": ["taken"], "note": ["lost?"]}


def test_non_field_and_plain_errors_go_above_the_form_or_to_the_default():
    form = bound_form()
    add_service_errors(form, ValidationError({NON_FIELD_ERRORS: ["closed"]}))
    add_service_errors(form, ValidationError("plain"))
    assert form.non_field_errors() == ["closed", "plain"]
    form = bound_form()
    add_service_errors(form, ValidationError("plain"), "name")
    assert form.errors == {"name": ["plain"]}


def test_posted_data_is_none_for_get_and_the_post_even_when_empty():
    factory = RequestFactory()
    assert posted_data(factory.get("/")) is None
    post = factory.post("/", {})
    assert posted_data(post) is post.POST
