from django.utils import timezone

from platform_admin.models import WorkerHeartbeat


def test_healthz_reports_database_cache_and_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["cache"] == "ok"
    assert response.json()["worker"] == "stale"
    WorkerHeartbeat.objects.create(name="worker@test", last_seen=timezone.now())
    assert client.get("/healthz").json()["worker"] == "ok"
