"""How the notices' actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.audit import Sentence, register_modules, register_sentences

from .models import Importance, Notice

# The parts of a notice an edit may change, as the log names them.
PARTS = {
    "title": pgettext_lazy("notice part", "title"),
    "body": pgettext_lazy("notice part", "text"),
    "category": pgettext_lazy("notice part", "category"),
    "importance": pgettext_lazy("notice part", "importance"),
    "buildings": pgettext_lazy("notice part", "audience"),
    "publish_at": pgettext_lazy("notice part", "publishing time"),
    "expires_at": pgettext_lazy("notice part", "expiry"),
}


def _changed_parts(entry, fields) -> dict:
    data = entry.data if isinstance(entry.data, dict) else {}
    before, after = data.get("before") or {}, data.get("after") or {}
    changed = [str(label) for key, label in PARTS.items() if before.get(key) != after.get(key)]
    return {"parts": "、".join(changed) or _t("nothing")}


def register() -> None:
    importance = {"importance": Importance, "category": Notice.Category}
    register_modules({"notice": _("Notices")})
    register_sentences(
        {
            "notice.created": Sentence(
                _("%(actor)s wrote the notice “%(target)s” (%(category)s, %(importance)s)"),
                choices=importance,
            ),
            "notice.changed": Sentence(
                _("%(actor)s changed the %(parts)s of the notice “%(target)s”"),
                build=_changed_parts,
            ),
            "notice.published": Sentence(
                _("%(actor)s published the notice “%(target)s” (%(importance)s)"),
                choices=importance,
            ),
            "notice.withdrawn": _("%(actor)s withdrew the notice “%(target)s”"),
            "notice.pinned": _("%(actor)s pinned the notice “%(target)s”"),
            "notice.unpinned": _("%(actor)s unpinned the notice “%(target)s”"),
            "notice.deleted": _("%(actor)s deleted the notice “%(target)s” (%(files)s files removed)"),
            "notice.approval_requested": _("%(actor)s asked for approval to send the urgent notice “%(target)s” to everybody by SMS"),
            "notice.approved": _("%(actor)s approved the urgent notice “%(target)s” written by %(author)s"),
            "notice.rejected": _("%(actor)s rejected the urgent notice “%(target)s” written by %(author)s: %(reason)s"),
            "notice.settings_changed": Sentence(
                _("%(actor)s set approval of urgent notices by SMS to “%(approval)s”"),
                choices={"approval": {True: _("On (approval needed)"), False: _("Off (no approval)")}},
            ),
        }
    )  # fmt: skip
