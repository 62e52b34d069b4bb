"""Doors of the staff portal: who may enter, and with which permission."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from guardian.core import ObjectPermissionChecker

if TYPE_CHECKING:
    from accounts.models import Community, User


def has_perm_in_community(
    user: "User",
    perm: str,
    community: "Community | None",
    *,
    checker: ObjectPermissionChecker | None = None,
) -> bool:
    """A permission from the position (group), or the same duty granted for `community` only
    with django-guardian (the object permission "local_<codename>" on the Community)."""
    if user.has_perm(perm):
        return True
    if community is None:
        return False
    checker = checker or ObjectPermissionChecker(user)
    return checker.has_perm("local_" + perm.split(".", 1)[-1], community)


def staff_has_perm(request: HttpRequest, perm: str) -> bool:
    """`has_perm_in_community` for the staff portal's current community; the guardian
    checker is kept on the request, so one page asks the database once."""
    checker = getattr(request, "_community_permissions", None)
    if checker is None and request.community is not None:
        checker = ObjectPermissionChecker(request.user)
        request._community_permissions = checker
    return has_perm_in_community(request.user, perm, request.community, checker=checker)


def works_from_phone(request: HttpRequest) -> bool:
    """Technicians (维修工) work from their phone pages (/staff/jobs/), not the desktop
    portal: they hold the technician's duty but not the desk's view of the repair queue."""
    return staff_has_perm(request, "repairs.work_repairorder") and not staff_has_perm(
        request, "repairs.view_repairorder"
    )


def staff_required(perm: str | None = None) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.staff_member is None or request.community is None:
                return TemplateResponse(request, "staff/not_staff.html", status=403)
            if perm and not staff_has_perm(request, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Read by the permission matrix test: every staff URL must go through this door.
        wrapper.staff_permission = perm
        return wrapper

    return decorator


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go after a POST: the `next` field if it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
