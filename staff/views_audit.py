"""操作日志: the community's audit log as sentences, with filters."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kit.models import AuditEntry

from .access import staff_required
from .audit_filters import AuditFilter
from .tables import AuditTable, paginate


@staff_required("kit.view_auditentry")
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(
        request.GET or None,
        queryset=AuditEntry.objects.filter(community=request.community),
        community=request.community,
    )
    # A refused range (from after until) shows its message and no entries.
    refused = filterset.is_bound and not filterset.is_valid()
    entries = AuditEntry.objects.none() if refused else filterset.qs
    table = AuditTable(entries)
    paginate(request, table, per_page=50)
    return render(
        request,
        "staff/audit_log.html",
        {"filter": filterset, "table": table},
    )  # a refused range answers 200 so that the filter bar's htmx swap shows the message
