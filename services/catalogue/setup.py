"""The catalogue part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from django.utils.translation import gettext_lazy as _

VIEW_REVIEWS = "services.view_servicereview"
HIDE_REVIEWS = "services.hide_servicereview"


def register() -> None:
    from accounts.portal import Entry, register_entry
    from kit.audit import register_actions
    from notices import events
    from staff import menu, scoping
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    from ..models import ServiceReview, ServiceReviewPhoto
    from ..portal import ProviderTab, register_provider_tab

    register_entry(Entry(_("Local services"), "services:provider_list", "grid-3x3-gap", 10))
    register_provider_tab(
        ProviderTab(_("Reviews"), "services_provider:review_list", "chat-square-heart", 40)
    )
    menu.register(
        menu.MenuEntry(
            _("Service reviews"),
            "services_staff:review_list",
            "star-half",
            61,
            VIEW_REVIEWS,
            group=menu.SERVICES,
        )
    )
    scoping.register("review_id", ServiceReview, "community")
    scoping.register("review_photo_id", ServiceReviewPhoto, "review__community")
    register_position_defaults(
        {MANAGER: [VIEW_REVIEWS, HIDE_REVIEWS], FRONT_DESK: [VIEW_REVIEWS, HIDE_REVIEWS]}
    )
    register_actions(
        {
            "service.reviewed": _("Service reviewed"),
            "service.review_replied": _("Provider replied to a review"),
            "service.review_hidden": _("Service review hidden"),
            "service.review_unhidden": _("Service review shown again"),
        }
    )
    for event in (
        events.Event("service.reviewed", _("New review of your service"), events.Category.COMMUNITY),
        events.Event(
            "service.review_replied", _("The provider replied to your review"),
            events.Category.COMMUNITY,
        ),
        events.Event(
            "service.review_hidden", _("Your review was hidden"), events.Category.COMMUNITY
        ),
        events.Event(
            "service.review_unhidden", _("Your review is shown again"), events.Category.COMMUNITY
        ),
    ):  # fmt: skip
        events.register(event)
