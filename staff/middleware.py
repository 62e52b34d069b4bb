from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import selectors

SESSION_KEY = "staff_community_id"


def work_on(request: HttpRequest, community) -> None:
    """Make `community` (one the staff member serves) the current one, for this request and
    the next ones."""
    request.session[SESSION_KEY] = community.pk
    request.community = community
    # Permissions checked so far were for the previous community.
    request.__dict__.pop("_community_duties", None)


class StaffCommunityMiddleware:
    """On staff portal URLs: `request.staff_member`, `request.staff_communities` and
    `request.community` (the one the staff member is working on, chosen with the switcher), and
    `request.staff_positions` (community id -> the position held there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.staff_member = None
        request.staff_communities = []
        request.community = None
        request.staff_positions = {}
        if request.path_info.startswith("/staff/") and request.user.is_authenticated:
            member, assignments = selectors.staff_member_with_assignments(request.user)
            if member is not None:
                communities = [a.community for a in assignments]
                request.staff_positions = {a.community_id: a.position for a in assignments}
                request.staff_member = member
                request.staff_communities = communities
                chosen = request.session.get(SESSION_KEY)
                request.community = next(
                    (c for c in communities if c.pk == chosen),
                    communities[0] if communities else None,
                )
        return self.get_response(request)
