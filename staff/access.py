"""Doors of the staff portal: who may enter, and with which permission."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from guardian.core import ObjectPermissionChecker

from . import selectors
from .models import StaffMember

if TYPE_CHECKING:
    from django.contrib.auth.models import Group

    from accounts.models import Community, Residency, User

# `CommunityDuties(position=...)` not given: looked up when needed.
_UNKNOWN = object()


class CommunityDuties:
    """What `user` may do in one community: the permissions of the position their staff
    membership holds there (a StaffAssignment), and the duties granted for that community only
    with django-guardian: the object permission "local_<codename>" on the Community, given to
    the user, to one of their groups, or to the position they hold there.

    A position is never one of the account's groups, so `user.has_perm` grants no staff duty:
    nothing held in one community counts in another. Each part is read once, when first
    needed; `position` may be passed in when the caller knows it already."""

    def __init__(
        self, user: "User", community: "Community | None", *, position: object = _UNKNOWN
    ) -> None:
        self.user = user
        self.community = community
        if position is not _UNKNOWN:
            self.__dict__["position"] = position

    @cached_property
    def position(self) -> "Group | None":
        if self.community is None:
            return None
        return selectors.position_in_community(self.user, self.community)

    @cached_property
    def position_permissions(self) -> frozenset[str]:
        return selectors.permissions_of(self.position) if self.position else frozenset()

    @cached_property
    def local_codenames(self) -> frozenset[str]:
        codenames = set(ObjectPermissionChecker(self.user).get_perms(self.community))
        if self.position is not None:
            codenames |= set(ObjectPermissionChecker(self.position).get_perms(self.community))
        return frozenset(codenames)

    def has(self, perm: str) -> bool:
        if self.community is None or not self.user.is_active:
            return False
        if self.user.is_superuser:
            return True
        if perm in self.position_permissions:
            return True
        return "local_" + perm.split(".", 1)[-1] in self.local_codenames


def has_perm_in_community(user: "User", perm: str, community: "Community | None") -> bool:
    """Whether `user` holds `perm` in `community` (see `CommunityDuties`)."""
    return CommunityDuties(user, community).has(perm)


def may_see_proof(user: "User", residency: "Residency") -> bool | None:
    """A residency's proof photo (accounts.access asks this rule): for an active staff member,
    whether they serve the room's community and may see residents there (by the position held
    there or by a duty granted for that community); None for anybody else."""
    member = selectors.active_staff_member(user)
    if member is None:
        return None
    community = residency.room.building.community
    if community not in selectors.communities_served(member):
        return False
    return has_perm_in_community(user, "accounts.view_residency", community)


def landing_url(user: "User") -> str | None:
    """Where an active staff member lands after logging in (accounts.portal asks this)."""
    if StaffMember.objects.filter(user=user, is_active=True).exists():
        return reverse("staff:home")
    return None


def community_duties(request: HttpRequest) -> CommunityDuties:
    """The duties of the staff portal's current community, kept on the request, so one page
    asks the database once for each part."""
    duties = getattr(request, "_community_duties", None)
    community = getattr(request, "community", None)
    if duties is None or duties.community != community:
        positions = getattr(request, "staff_positions", None)
        if community is not None and positions is not None:
            duties = CommunityDuties(request.user, community, position=positions.get(community.pk))
        else:
            duties = CommunityDuties(request.user, community)
        request._community_duties = duties
    return duties


def staff_has_perm(request: HttpRequest, perm: str) -> bool:
    """`has_perm_in_community` for the staff portal's current community."""
    return community_duties(request).has(perm)


def positions_grantable(
    duties: CommunityDuties, positions: list["Group"] | None = None
) -> list["Group"]:
    """Positions (of `positions`, by default all) whose every permission is held in that
    community: what may be handed out there. A platform operator (superuser) may hand out
    any."""
    if positions is None:
        positions = selectors.positions_with_permissions()
    return [
        position
        for position in positions
        if all(
            duties.has(f"{p.content_type.app_label}.{p.codename}")
            for p in position.permissions.all()
        )
    ]


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
