"""Account-security events into the audit log: who changed a password, a number or an e-mail,
and when. Connected to allauth's signals in AccountsConfig.ready."""

from allauth.account import signals
from django.utils.translation import gettext_lazy as _

from kit.audit import log_action, register_actions

from .phone import mask_mobile

ACTIONS = {
    "account.signed_up": _("Signed up"),
    "account.password_set": _("Password set"),
    "account.password_changed": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "account.mobile_changed": _("Mobile number changed"),
    "account.email_added": _("E-mail address added"),
    "account.email_confirmed": _("E-mail address confirmed"),
    "account.email_removed": _("E-mail address removed"),
}


def _logger(action):
    def receiver(sender, request=None, user=None, **kwargs):
        email = kwargs.get("email_address")
        data = {"email": email.email} if email is not None else None
        user = user or (email.user if email is not None else None)
        log_action(actor=user, action=action, target=user, data=data, request=request)

    receiver.__name__ = f"log_{action.replace('.', '_')}"
    return receiver


def mobile_changed(user, old: str, new: str) -> None:
    log_action(
        actor=user,
        action="account.mobile_changed",
        target=user,
        data={"from": mask_mobile(old), "to": mask_mobile(new)},
    )


def connect() -> None:
    register_actions(ACTIONS)
    for signal, action in [
        (signals.user_signed_up, "account.signed_up"),
        (signals.password_set, "account.password_set"),
        (signals.password_changed, "account.password_changed"),
        (signals.password_reset, "account.password_reset"),
        (signals.email_added, "account.email_added"),
        (signals.email_confirmed, "account.email_confirmed"),
        (signals.email_removed, "account.email_removed"),
    ]:
        signal.connect(_logger(action), dispatch_uid=action, weak=False)
