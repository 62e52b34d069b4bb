from datetime import timedelta
from functools import cache as remember

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

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


# Private areas that search engines need not visit. The resident pages are not listed: they are
# behind the login anyway, and Lighthouse's SEO audit fails a page that robots.txt disallows.
ROBOTS_DISALLOWED = [
    "/admin/",
    "/staff/",
    "/provider/",
    "/invitations/",
    "/r/",
    "/sandbox/",
]


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@remember
def _favicon() -> bytes:
    # static/shared/favicon.ico is made from the app icon (static/resident/icon-512.png).
    return (settings.BASE_DIR / "static" / "shared" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=30 * 24 * 3600, immutable=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and WeChat ask for whatever the page's <link rel=icon>."""
    return HttpResponse(_favicon(), content_type="image/x-icon")
