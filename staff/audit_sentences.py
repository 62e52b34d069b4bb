"""How staff actions read in 操作日志 (kit.audit sentences), the permission grants made in the
admin (X-3) among them."""

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences


def _positions(changes: dict) -> list[str]:
    """{community: [before, after]} as "2号小区：客服 → 经理"."""
    parts = []
    for community, pair in sorted(changes.items()):
        if isinstance(pair, list | tuple) and len(pair) == 2:
            before, after = (value or _t("none") for value in pair)
            parts.append(f"{community}：{before} → {after}")
        else:
            parts.append(f"{community}：{pair}")
    return parts


def _member_changed(entry, fields) -> dict:
    data = entry.data if isinstance(entry.data, dict) else {}
    parts = []
    if "is_active" in data and isinstance(data["is_active"], list | tuple):
        parts.append(_t("reactivated") if data["is_active"][-1] else _t("deactivated"))
    if "employee_number" in data and isinstance(data["employee_number"], list | tuple):
        before, after = data["employee_number"]
        parts.append(
            _t("employee number %(before)s → %(after)s")
            % {"before": before or "—", "after": after or "—"}
        )
    positions = data.get("positions")
    if isinstance(positions, dict):
        if "changed" in data:  # the admin records the positions held after saving
            before = data.get("positions_before") or {}
            pairs = {
                name: [before.get(name), positions.get(name)]
                for name in set(before) | set(positions)
                if before.get(name) != positions.get(name)
            }
            parts += _positions(pairs) if "positions_before" in data else _positions(positions)
        else:
            parts += _positions(positions)
    return {"changes": "；".join(parts) or _t("no change")}


def _grant(entry, fields) -> dict:
    data = entry.data if isinstance(entry.data, dict) else {}
    return {
        "added": "、".join(data.get("added_labels") or []) or "—",
        "removed": "、".join(data.get("removed_labels") or []) or "—",
    }


def register() -> None:
    register_modules({"staff": _("Staff")})
    register_sentences(
        {
            "staff.member_created": _("%(actor)s added %(target)s to the staff as %(position)s"),
            "staff.member_changed": Sentence(
                _("%(actor)s changed staff member %(target)s: %(changes)s"), build=_member_changed
            ),
            "staff.member_deactivated": _("%(actor)s deactivated staff member %(target)s"),
            "staff.member_reactivated": _("%(actor)s reactivated staff member %(target)s"),
            "staff.invitation_sent": _("%(actor)s invited %(mobile)s to join as %(position)s"),
            "staff.invitation_resent": _("%(actor)s sent the staff invitation %(target)s again"),
            "staff.invitation_withdrawn": _("%(actor)s withdrew the staff invitation %(target)s"),
            "staff.invitation_accepted": _("%(actor)s accepted the staff invitation and joined"),
            "staff.position_changed": _("%(actor)s changed the duties of position %(target)s from %(duties_before)s to %(duties_after)s"),
            "staff.position_template_changed": _("%(actor)s changed the position template %(target)s from %(before)s to %(after)s"),
            "staff.community_grants_changed": Sentence(
                _("%(actor)s changed what %(grantee)s may do in %(target)s in the admin: granted %(added)s; revoked %(removed)s"),
                build=_grant,
            ),
        }
    )  # fmt: skip
