from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .menu import staff_menu, staff_menu_groups


def staff_portal(request: HttpRequest) -> dict:
    if getattr(request, "staff_member", None) is None:
        return {}
    # Lazy, and computed at most once per request: a page that shows no menu (a fragment, a
    # printout) asks for no badge, and a template rendered again with the request (a cell, an
    # include rendered on its own) reuses the first one.
    community = request.community
    return {
        "staff_menu": SimpleLazyObject(lambda: _menu(request)),
        "staff_menu_groups": SimpleLazyObject(lambda: _menu_groups(request)),
        # The position held in the community being worked on (a position is per community).
        "staff_position": request.staff_positions.get(community.pk) if community else None,
    }


def _menu(request: HttpRequest) -> list[dict]:
    if not hasattr(request, "_staff_menu"):
        request._staff_menu = staff_menu(request)
    return request._staff_menu


def _menu_groups(request: HttpRequest) -> list[dict]:
    if not hasattr(request, "_staff_menu_groups"):
        request._staff_menu_groups = staff_menu_groups(_menu(request))
    return request._staff_menu_groups
