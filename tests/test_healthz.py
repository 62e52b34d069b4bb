from django.utils import timezone

from kit.models import WorkerHeartbeat


def test_healthz_reports_database_cache_and_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["cache"] == "ok"
    assert response.json()["worker"] == "stale"
    WorkerHeartbeat.objects.create(name="worker@test", last_seen=timezone.now())
    assert client.get("/healthz").json()["worker"] == "ok"


def test_healthz_answers_whatever_the_host(client, db, settings):
    """docker's health check and load balancers call the container by its address, which is
    not among DJANGO_ALLOWED_HOSTS; the health endpoint builds no link from the host."""
    settings.ALLOWED_HOSTS = ["wuye.example.com"]
    for host in ("127.0.0.1:8000", "10.0.3.7", "wuye.example.com"):
        response = client.get("/healthz", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert response.json()["status"] == "ok"
    # Everything else still checks the host.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.post("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 400
