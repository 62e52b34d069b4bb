"""The providers part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

LICENCE_TASK = "services.providers.tasks.licence_check_task"
VIEW = "services.view_providerlisting"


def pending_badge(request: HttpRequest) -> int:
    """Applications waiting for this community's decision, on the staff menu."""
    from . import selectors

    if getattr(request, "community", None) is None:
        return 0
    return selectors.pending_count(request.community)


def provider_landing(user) -> str | None:
    """A provider's member lands on the provider pages after logging in (staff land on the
    staff portal first: that landing is registered earlier; residents keep their home)."""
    from .access import member_of

    if member_of(user) is None or user.residencies.exists():
        return None
    return reverse("services_provider:provider_home")


def me_link(request: HttpRequest):
    """我的: a provider's member goes to the provider pages, everyone else may apply."""
    from .access import member_of

    if member_of(request.user) is not None:
        return (_("Provider pages"), "services_provider:provider_home", "shop")
    return (_("Join as a service provider"), "services_provider:provider_apply", "shop-window")


def register() -> None:
    from accounts.portal import MeLink, register_landing, register_me_link
    from kit.audit import register_actions
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance
    from staff import menu, scoping
    from staff.positions import MANAGER, register_position_defaults

    from ..models import ProviderListing
    from ..portal import ProviderTab, register_provider_tab
    from . import tasks  # noqa: F401  (celery finds only services.tasks by itself)

    menu.register(
        menu.MenuEntry(
            _("Service providers"),
            "services_staff:provider_listings",
            "shop",
            60,
            VIEW,
            badge=pending_badge,
            group=menu.SERVICES,
        )
    )
    scoping.register("listing_id", ProviderListing, "community")
    register_position_defaults(
        {
            MANAGER: [
                "services.view_providerlisting",
                "services.review_providerlisting",
                "services.add_provider",
            ]
        }
    )
    register_actions(
        {
            "provider.applied": _("Provider applied"),
            "provider.entered": _("Provider entered by staff"),
            "provider.approved": _("Provider approved"),
            "provider.rejected": _("Provider rejected"),
            "provider.suspended": _("Provider suspended"),
            "provider.reinstated": _("Provider reinstated"),
            "provider.licence_suspended": _("Provider suspended: licence expired"),
            "provider.agreement_suspended": _("Provider suspended: platform agreement ended"),
            "provider.agreement_reinstated": _("Provider reinstated: new platform agreement"),
            "provider.licence_renewed": _("Provider licence renewed"),
            "provider.resubmitted": _("Provider back for review after a licence renewal"),
            "provider.profile_changed": _("Provider profile changed"),
            "provider.member_added": _("Provider member added"),
            "provider.member_removed": _("Provider member removed"),
        }
    )
    for event in (
        events.Event("provider.applied", _("New service provider application"),
                     events.Category.COMMUNITY),
        events.Event("provider.resubmitted", _("Service provider renewed its licence"),
                     events.Category.COMMUNITY),
        events.Event("provider.listing_decided", _("Decision about your service listing"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("provider.licence_expiring", _("Business licence about to expire"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("provider.agreement_suspended",
                     _("Provider suspended: its platform agreement ended"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("provider.agreement_reinstated",
                     _("Provider listed again: a new platform agreement"),
                     events.Category.COMMUNITY),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task(
        "服务商营业执照到期检查", task=LICENCE_TASK, schedule=Crontab(minute="10", hour="6")
    )
    register_provider_tab(ProviderTab(_("Home"), "services_provider:provider_home", "house", 10))
    register_provider_tab(
        ProviderTab(_("Profile"), "services_provider:provider_profile", "person-vcard", 90)
    )
    register_landing(provider_landing)
    register_me_link(MeLink("services.providers", 10, me_link))
