from django.http import HttpRequest

from .menu import staff_menu


def staff_portal(request: HttpRequest) -> dict:
    if getattr(request, "staff_member", None) is None:
        return {}
    return {"staff_menu": staff_menu(request)}
