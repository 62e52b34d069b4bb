"""How residents' and accounts' actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import Residency, Room


def _room_changes(entry, fields) -> dict:
    """「面积 80.00 → 85.00；楼层 3 → 4」: each changed field by its label, before and after."""
    changes = (entry.data or {}).get("changes") or {}
    parts = []
    for name, pair in changes.items():
        try:
            label = Room._meta.get_field(name).verbose_name
        except Exception:  # noqa: BLE001  (a field renamed since the entry was written)
            label = name
        before, after = (list(pair) + ["", ""])[:2]
        parts.append(f"{label} {before or '—'} → {after or '—'}")
    return {"changes": "；".join(parts) or "—"}


def register() -> None:
    register_modules(
        {
            "account": _("Accounts"),
            "accounts": _("Residents and rooms"),
            "profile": _("Accounts"),
            "social": _("Accounts"),
            "residency": _("Residents and rooms"),
            "resident": _("Residents and rooms"),
            "family": _("Residents and rooms"),
        }
    )
    register_sentences(
        {
            "account.signed_up": _("%(actor)s signed up"),
            "account.password_changed": _("%(actor)s changed their password"),
            "account.password_set": _("%(actor)s set a password"),
            "account.password_reset": _("%(actor)s reset their password"),
            "account.mobile_changed": _("%(actor)s changed their mobile number from %(from)s to %(to)s"),
            "account.email_added": _("%(actor)s added the e-mail address %(email)s"),
            "account.email_confirmed": _("%(actor)s confirmed the e-mail address %(email)s"),
            "account.email_removed": _("%(actor)s removed the e-mail address %(email)s"),
            "profile.updated": _("%(actor)s updated their profile"),
            "social.connected": _("%(actor)s connected %(provider)s"),
            "social.disconnected": _("%(actor)s disconnected %(provider)s"),
            "social.signed_up": _("%(actor)s signed up with %(provider)s"),
            "residency.requested": Sentence(
                _("%(actor)s asked to be bound to %(target)s as %(relation)s"),
                choices={"relation": Residency.Relation},
            ),
            "residency.withdrawn": _("%(actor)s withdrew the binding request %(target)s"),
            "residency.verified": _("%(actor)s verified the binding %(target)s"),
            "residency.rejected": _("%(actor)s rejected the binding %(target)s: %(reason)s"),
            "room.added": _("%(actor)s added the room %(target)s"),
            "room.changed": Sentence(
                _("%(actor)s changed the room %(target)s: %(changes)s"), build=_room_changes
            ),
            "residency.ended": _("%(actor)s ended the residency %(target)s: %(reason)s"),
            "resident.contacts_changed": _("%(actor)s changed the contact details of %(target)s"),
            "family.invited": _("%(actor)s invited %(mobile)s to join %(room)s"),
            "family.invitation_withdrawn": _("%(actor)s withdrew the family invitation %(target)s"),
            "family.joined": _("%(actor)s accepted a family invitation and joined %(target)s"),
            "family.declined": _("%(actor)s declined the family invitation %(target)s"),
            "accounts.residents_exported": _("%(actor)s exported %(rows)s residents to Excel"),
            "accounts.residents_imported": _("%(actor)s imported residents from %(file)s (%(rows)s rows, %(new)s new)"),
            "accounts.rooms_imported": _("%(actor)s imported rooms from %(file)s (%(rows)s rows, %(new)s new)"),
        }
    )  # fmt: skip
