"""What the complaints app's parts share, registered from `ComplaintsConfig.ready`: the
positions' duties, the status event the workflow sends, and each community's starting
categories and departments."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

VIEW_COMPLAINT = "complaints.view_complaint"
HANDLE = "complaints.handle_complaint"
LOG = "complaints.log_complaint"
MERGE = "complaints.merge_complaint"
FIGURES = "complaints.view_complaint_figures"
SETTINGS = "complaints.manage_complaint_settings"
VIEW_SUGGESTION = "complaints.view_suggestion"
EVALUATE = "complaints.evaluate_suggestion"


def community_created(sender, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from .defaults import ensure_defaults

        ensure_defaults(instance)


@transaction.atomic
def ensure_all_defaults(**kwargs: Any) -> None:
    from accounts.models import Community

    from .defaults import ensure_defaults
    from .models import ComplaintCategory

    for community in Community.objects.exclude(
        pk__in=ComplaintCategory.objects.values("community_id")
    ):
        ensure_defaults(community)


def register_parameters() -> None:
    from django.conf import settings

    from kit.parameters import DURATION, INT, Parameter, register_parameters

    module = _("Complaints and suggestions")
    register_parameters(
        [
            Parameter(
                key="complaints.accept_within_hours", module=module, kind=INT, default=4,
                minimum=1, maximum=7 * 24, company_override=True, order=210,
                label=_("Accept within (new categories)"), unit=_("hours"),
                help=_("The service level a category added by staff starts with."),
            ),
            Parameter(
                key="complaints.reply_within_hours", module=module, kind=INT, default=72,
                minimum=1, maximum=60 * 24, company_override=True, order=220,
                label=_("Reply within (new categories)"), unit=_("hours"),
                help=_("The service level a category added by staff starts with."),
            ),
            Parameter(
                key="complaints.auto_close_days", module=module, kind=DURATION,
                duration_unit="days", default=lambda: settings.LINLI_COMPLAINT_AUTO_CLOSE_DAYS,
                minimum=1, maximum=60, order=230, label=_("Close unanswered replies after"),
                unit=_("days"),
                help=_("A replied complaint the household neither accepts nor returns closes "
                       "by itself after this many days."),
            ),
        ]
    )  # fmt: skip


def register() -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate, post_save

    from accounts.models import Community
    from notices import events
    from staff import scoping
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    from .models import (
        Complaint,
        ComplaintAttachment,
        ComplaintCategory,
        Department,
        Suggestion,
        SuggestionStep,
    )

    register_parameters()
    register_position_defaults(
        {
            MANAGER: [VIEW_COMPLAINT, HANDLE, LOG, MERGE, FIGURES, SETTINGS, VIEW_SUGGESTION,
                      EVALUATE],
            FRONT_DESK: [VIEW_COMPLAINT, HANDLE, LOG, MERGE, VIEW_SUGGESTION],
        }
    )  # fmt: skip
    # The URL keywords the staff pages name objects by (get_scoped_or_404 and the tenancy sweep).
    scoping.register("complaint_id", Complaint, "community")
    scoping.register("complaint_file_id", ComplaintAttachment, "complaint__community")
    scoping.register("complaint_category_id", ComplaintCategory, "community")
    scoping.register("department_id", Department, "community")
    scoping.register("suggestion_id", Suggestion, "community")
    scoping.register("step_id", SuggestionStep, "suggestion__community")
    events.register(
        events.Event("complaint.status_changed", _("Complaint progress"), events.Category.COMMUNITY)
    )
    post_save.connect(community_created, sender=Community, dispatch_uid="complaints_defaults")
    post_migrate.connect(ensure_all_defaults, sender=apps.get_app_config("complaints"))
