"""Chinese names for the models the operators' admin shows from third-party apps (django-axes,
allauth, django-celery-beat), whose own catalogues leave them English or which give no
translatable name at all. Set once at start-up on the field and model options the admin reads
(`verbose_name`); the migration state reads the original arguments, so no migration changes."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Words of the admin's own templates and the third parties' admin classes that their Chinese
# catalogues lack: listed here so that ours carries them (they are looked up by these msgids).
CATALOGUE_ONLY = [
    gettext_noop("Model name"),  # the admin's model tables, for screen readers
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Meta Data"),  # django-axes' sections
    gettext_noop("Form Data"),
    gettext_noop("Schedule"),  # django-celery-beat's sections
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop("Attempt Remaining"),  # django-axes' status column: "2 Attempt Remaining"
    gettext_noop("Locked Out"),
]
# Apps whose models the admin lists, by their own (English) names otherwise.
APPS = {"axes": _("login security"), "guardian": _("object permissions")}

# (model name, plural) per model
MODELS = {
    "axes.AccessAttempt": (_("failed login record"), _("failed login records")),
    "axes.AccessLog": (_("login record"), _("login records")),
    "axes.AccessFailureLog": (_("failed login"), _("failed logins")),
    "mfa.Authenticator": (_("two-step verification"), _("two-step verifications")),
}
AXES_FIELDS = {
    "user_agent": _("browser (user agent)"),
    "ip_address": _("IP address"),
    "username": _("account"),
    "http_accept": _("accepted content (HTTP Accept)"),
    "path_info": _("page"),
    "attempt_time": _("time"),
    "get_data": _("query data (GET)"),
    "post_data": _("form data (POST)"),
    "failures_since_start": _("failed logins"),
    "logout_time": _("logged out at"),
    "session_hash": _("session (hashed)"),
    "locked_out": _("locked out"),
}
FIELDS = {
    "axes.AccessAttempt": AXES_FIELDS,
    "axes.AccessLog": AXES_FIELDS,
    "axes.AccessFailureLog": AXES_FIELDS,
    "mfa.Authenticator": {
        "user": _("user"),
        "type": _("type"),
        "data": _("data"),
        "created_at": _("created at"),
        "last_used_at": _("last used at"),
    },
    "socialaccount.SocialApp": {"settings": _("settings")},
    "socialaccount.SocialAccount": {"user": _("user")},
    "socialaccount.SocialToken": {
        "app": _("third-party login app"),
        "account": _("linked account"),
    },
    "django_celery_beat.PeriodicTask": {"task": _("task")},
}


def _relabel_admin_columns() -> None:
    from allauth.socialaccount.admin import SocialAppForm, SocialTokenAdmin
    from axes.admin import AccessAttemptAdmin, IsLockedOutFilter
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    original_init = SocialAppForm.__init__

    def social_app_form_init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self.fields["provider"].label = _("login provider")  # made in __init__, unlabelled

    SocialAppForm.__init__ = social_app_form_init
    PeriodicTaskAdmin.crontab_translation.short_description = _("schedule in words")
    SocialTokenAdmin.truncated_token.short_description = _("token")
    CrontabSchedule.human_readable.fget.short_description = _("in words")
    PeriodicTask.scheduler.fget.short_description = _("schedule kind")
    IsLockedOutFilter.title = _("locked out")
    if hasattr(AccessAttemptAdmin, "status"):
        AccessAttemptAdmin.status.short_description = _("status")


def _name_axes_records() -> None:
    """django-axes names its records in English ("Access Log for … @ …"), shown as the change
    page's heading and in the breadcrumbs."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone

    def when(record) -> str:
        return (
            f"{timezone.localtime(record.attempt_time):%Y-%m-%d %H:%M}"
            if record.attempt_time
            else ""
        )

    AccessAttempt.__str__ = lambda record: str(
        _("Failed logins of %(account)s, last at %(time)s")
        % {"account": record.username, "time": when(record)}
    )
    AccessFailureLog.__str__ = lambda record: str(
        _("Failed login of %(account)s at %(time)s from %(ip)s")
        % {"account": record.username, "time": when(record), "ip": record.ip_address}
    )
    AccessLog.__str__ = lambda record: str(
        _("Login of %(account)s at %(time)s") % {"account": record.username, "time": when(record)}
    )


def label_third_party_models() -> None:
    for app_label, name in APPS.items():
        if app_label in apps.app_configs:
            apps.app_configs[app_label].verbose_name = name
    for label, (singular, plural) in MODELS.items():
        if _installed(label):
            opts = apps.get_model(label)._meta
            opts.verbose_name, opts.verbose_name_plural = singular, plural
    for label, names in FIELDS.items():
        if not _installed(label):
            continue
        model = apps.get_model(label)
        for name, verbose_name in names.items():
            try:
                model._meta.get_field(name).verbose_name = verbose_name
            except FieldDoesNotExist:  # renamed by a newer version: leave it as it is
                continue
    _relabel_admin_columns()
    _name_axes_records()


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True
