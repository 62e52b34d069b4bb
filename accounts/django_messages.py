"""Messages of Django itself that Django's own zh_Hans catalogue does not translate. Written
out here so that makemessages keeps them in our catalogue (locale/), which Django consults
before its own (LOCALE_PATHS); nothing imports this module.

Django 5.2.19 changed MinimumLengthValidator's message from "%(min_length)d" to "%d" without
updating its catalogues, so every password form showed it in English.
tests/test_i18n.py checks every password validator's messages, so a change like this one
is caught when Django is upgraded.
"""

from django.utils.translation import ngettext_lazy

UNTRANSLATED_BY_DJANGO = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
]
