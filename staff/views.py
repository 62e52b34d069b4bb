from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from platform_admin.models import AuditEntry

from . import selectors
from .access import staff_has_perm, staff_required
from .middleware import SESSION_KEY
from .tables import AuditTable, StaffTable, paginate


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    community = request.community
    counts = account_selectors.community_counts(community)
    counts["staff"] = selectors.staff_of_community(community).filter(is_active=True).count()
    rooms = counts["rooms"] or 0
    counts["occupancy_percent"] = round(100 * counts["occupied"] / rooms) if rooms else 0
    recent = (
        AuditEntry.objects.filter(community=community).select_related("actor")[:8]
        if staff_has_perm(request, "platform_admin.view_auditentry")
        else []
    )
    links = {
        "rooms": staff_has_perm(request, "accounts.view_room"),
        "residents": staff_has_perm(request, "accounts.view_residency"),
        "team": staff_has_perm(request, "staff.view_staffmember"),
    }
    return render(request, "staff/home.html", {"counts": counts, "recent": recent, "links": links})


@require_POST
@staff_required()
def switch_community(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("community_id", "")
    chosen = next((c for c in request.staff_communities if str(c.pk) == wanted), None)
    if chosen is None:
        messages.error(request, _("You do not serve that community."))
    else:
        request.session[SESSION_KEY] = chosen.pk
        messages.success(request, _("You are now working on %(name)s.") % {"name": chosen.name})
    # Back to the home page: an object page of the previous community would be a 404 now.
    return redirect("staff:home")


@staff_required("staff.view_staffmember")
def team(request: HttpRequest) -> HttpResponse:
    table = StaffTable(selectors.staff_of_community(request.community))
    paginate(request, table)
    return render(request, "staff/team.html", {"table": table})


@staff_required("platform_admin.view_auditentry")
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.filter(community=request.community).select_related("actor")
    table = AuditTable(entries)
    paginate(request, table, per_page=50)
    return render(request, "staff/audit_log.html", {"table": table})
