from django.http import HttpRequest

from .menu import staff_menu, staff_menu_groups


def staff_portal(request: HttpRequest) -> dict:
    if getattr(request, "staff_member", None) is None:
        return {}
    # Computed once per request: table cells rendered from templates run context
    # processors again for each cell.
    if not hasattr(request, "_staff_menu"):
        request._staff_menu = staff_menu(request)
    community = request.community
    return {
        "staff_menu": request._staff_menu,
        "staff_menu_groups": staff_menu_groups(request._staff_menu),
        # The position held in the community being worked on (a position is per community).
        "staff_position": request.staff_positions.get(community.pk) if community else None,
    }
