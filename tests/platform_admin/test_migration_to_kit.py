"""The audit log and the heartbeats moved from platform_admin to the kit: rows, permission
grants and the stored beat entries come along, forward and back."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("latest_migrations_afterwards")

BEFORE = [("platform_admin", "0001_initial"), ("kit", None)]
AFTER = [("platform_admin", "0002_move_records_to_kit"), ("kit", "0001_initial")]


def migrate(targets):
    """Every other app at its latest migration; the models as they were then."""
    executor = MigrationExecutor(connection)
    moved = {"platform_admin", "kit"}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved]
    executor.migrate(others + targets)
    executor.loader.build_graph()
    ContentType.objects.clear_cache()
    return executor.loader.project_state(others + [t for t in targets if t[1]]).apps


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def grants(apps) -> set[str]:
    Group = apps.get_model("auth", "Group")
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.filter(name="审计员").values_list(
            "permissions__content_type__app_label", "permissions__codename"
        )
    }


@pytest.mark.django_db(transaction=True)
def test_the_records_grants_and_beat_entries_move_to_the_kit_and_back():
    apps = migrate(BEFORE)
    assert {"platform_admin_auditentry", "platform_admin_workerheartbeat"} <= tables()
    Entry = apps.get_model("platform_admin", "AuditEntry")
    Heartbeat = apps.get_model("platform_admin", "WorkerHeartbeat")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    entry = Entry.objects.create(action="residency.verified", actor_label="陈经理")
    Heartbeat.objects.create(name="worker@old", last_seen="2026-12-01T08:00:00+08:00")
    auditors = Group.objects.create(name="审计员")
    auditors.permissions.add(
        Permission.objects.get(content_type__app_label="platform_admin", codename="view_auditentry")
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="后台进程心跳",
        defaults={"task": "platform_admin.tasks.record_heartbeat", "interval": every_minute},
    )
    assert grants(apps) == {"platform_admin.view_auditentry"}

    apps = migrate(AFTER)
    assert {"kit_auditentry", "kit_workerheartbeat"} <= tables()
    assert not {"platform_admin_auditentry", "platform_admin_workerheartbeat"} & tables()
    Entry = apps.get_model("kit", "AuditEntry")
    assert Entry.objects.get(pk=entry.pk).actor_label == "陈经理"
    assert apps.get_model("kit", "WorkerHeartbeat").objects.filter(name="worker@old").exists()
    assert grants(apps) == {"kit.view_auditentry"}
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    assert PeriodicTask.objects.get(name="后台进程心跳").task == "kit.tasks.record_heartbeat"
    # New rows get new ids after the moved ones (the id sequence came along).
    assert Entry.objects.create(action="residency.ended").pk > entry.pk

    apps = migrate(BEFORE)
    assert {"platform_admin_auditentry", "platform_admin_workerheartbeat"} <= tables()
    assert apps.get_model("platform_admin", "AuditEntry").objects.count() == 2
    assert grants(apps) == {"platform_admin.view_auditentry"}
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    task = PeriodicTask.objects.get(name="后台进程心跳").task
    assert task == "platform_admin.tasks.record_heartbeat"

    # A content type the code created for the kit's model while the move was undone (and its
    # permissions) gives way to the one that carries the grants.
    ContentType = apps.get_model("contenttypes", "ContentType")
    duplicate = ContentType.objects.create(app_label="kit", model="auditentry")
    apps.get_model("auth", "Permission").objects.create(
        content_type=duplicate, codename="view_auditentry", name="Can view audit log entry"
    )
    apps = migrate(AFTER)
    assert grants(apps) == {"kit.view_auditentry"}
    assert (
        apps.get_model("auth", "Permission")
        .objects.filter(content_type__app_label="kit", codename="view_auditentry")
        .count()
        == 1
    )
