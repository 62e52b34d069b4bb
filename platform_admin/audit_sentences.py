"""How the operators' actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import register_modules, register_sentences


def register() -> None:
    register_modules(
        {
            "kit": _("Platform"),
            "platform": _("Platform"),
            "backup": _("Backups"),
            "partner": _("Partners"),
            "agreement": _("Partners"),
            "analysis_report": _("Reports"),
        }
    )
    register_sentences(
        {
            "kit.parameter_changed": _("%(actor)s changed the parameter “%(parameter)s” from %(before_display)s to %(after_display)s"),
            "kit.parameter_cleared": _("%(actor)s reset the parameter “%(parameter)s” to %(after_display)s"),
            "platform.settings_changed": _("%(actor)s changed the platform setting %(target)s"),
            "backup.requested": _("%(actor)s asked for a backup"),
            "backup.succeeded": _("The backup %(target)s was taken"),
            "backup.failed": _("The backup %(target)s failed"),
            "backup.community_exported": _("%(actor)s asked for an export of the community"),
            "backup.community_export_downloaded": _("%(actor)s downloaded the community export %(target)s"),
            "partner.created": _("%(actor)s added the partner institution %(target)s"),
            "partner.changed": _("%(actor)s changed the partner institution %(target)s"),
            "agreement.created": _("%(actor)s added the partner agreement %(target)s"),
            "agreement.changed": _("%(actor)s changed the partner agreement %(target)s"),
            "agreement.new_version": _("%(actor)s wrote version %(version)s of the partner agreement %(supersedes)s"),
            "agreement.attachment_added": _("%(actor)s added the PDF %(file)s to the partner agreement %(target)s"),
            "analysis_report.requested": _("%(actor)s asked for the analysis report %(period)s (%(scope)s)"),
        }
    )  # fmt: skip
