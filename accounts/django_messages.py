"""Messages of Django and django-allauth whose own zh_Hans catalogues lack them or translate
them badly. Written out here so that makemessages keeps them in our catalogue (locale/), which
Django consults before the apps' own (LOCALE_PATHS); nothing imports this module.

Django 5.2.19 changed MinimumLengthValidator's message from "%(min_length)d" to "%d" without
updating its catalogues, so every password form showed it in English.
tests/test_i18n.py checks every password validator's messages, so a change like this one
is caught when Django is upgraded.

allauth's Chinese reads as a translation: 「您输入的电话号码和/或密码不正确」, 「以 张伟 成功登录」
(Latin spaces around the name), 「登录代码」 for the SMS code. The messages and errors residents
see on the login, sign-up, password, phone and e-mail pages are worded again here; the msgids
must stay exactly allauth's (tests/test_i18n.py checks that allauth still has each of them).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

UNTRANSLATED_BY_DJANGO = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
]

RETRANSLATED_FROM_ALLAUTH = [
    # account/adapter.py error messages
    gettext_noop("The phone number and/or password you specified are not correct."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Incorrect code."),
    gettext_noop("Incorrect password."),
    gettext_noop("A user is already registered with this phone number."),
    gettext_noop("The phone number is not assigned to any user account."),
    # templates/account/messages/*.txt
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("A sign-in code has been sent to %(recipient)s."),
    gettext_noop("A verification code has been sent to %(phone)s."),
    gettext_noop("You have verified phone number %(phone)s."),
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("Primary email address set."),
]
