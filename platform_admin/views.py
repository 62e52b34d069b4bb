from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from kit.models import WorkerHeartbeat


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: database and cache must answer.
    The worker's last heartbeat is reported but does not fail the web container."""
    checks: dict[str, object] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["database"] = f"error: {error.__class__.__name__}"
        healthy = False
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    healthy = healthy and checks["cache"] == "ok"
    if checks["database"] == "ok":
        last = WorkerHeartbeat.objects.order_by("-last_seen").first()
        checks["worker_last_seen"] = last.last_seen.isoformat() if last else None
        checks["worker"] = (
            "ok" if last and timezone.now() - last.last_seen < timedelta(minutes=3) else "stale"
        )
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
