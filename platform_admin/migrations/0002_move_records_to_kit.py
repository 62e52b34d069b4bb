"""The audit log and the heartbeats move to the shared kit (app label "kit"): their tables and
indexes take the kit's names, their content types too (so every permission granted on them,
`platform_admin.view_auditentry` -> `kit.view_auditentry`, keeps its grants), and the stored
beat entries name the heartbeat task by its new name. kit/migrations/0001_initial takes the
models over in the migration state; it runs after this one."""

from django.db import migrations

MODELS = ("auditentry", "workerheartbeat")
TASKS = {
    "platform_admin.tasks.record_heartbeat": "kit.tasks.record_heartbeat",
    "platform_admin.tasks.echo": "kit.tasks.echo",
}


def _move(apps, schema_editor, *, source: str, target: str, tasks: dict[str, str]) -> None:
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        moving = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if moving is None:
            continue
        # A content type looked up for the code's model while the move was undone
        # (ContentType.objects.get_for_model) is an empty duplicate: it gives way, with its
        # permissions, to the one that carries the grants.
        duplicate = ContentType.objects.using(db).filter(app_label=target, model=model).first()
        if duplicate is not None:
            Permission.objects.using(db).filter(content_type=duplicate).delete()
            duplicate.delete()
        moving.app_label = target
        moving.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    renamed = 0
    for old, new in tasks.items():
        renamed += PeriodicTask.objects.using(db).filter(task=old).update(task=new)
    if renamed:
        # Tells a running beat to read its schedule again (PeriodicTasks.changed).
        from django.utils import timezone

        PeriodicTasks.objects.using(db).update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )


def to_kit(apps, schema_editor):
    _move(apps, schema_editor, source="platform_admin", target="kit", tasks=TASKS)


def back_to_platform_admin(apps, schema_editor):
    _move(
        apps,
        schema_editor,
        source="kit",
        target="platform_admin",
        tasks={new: old for old, new in TASKS.items()},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("platform_admin", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    # The kit names no app of the project, not even in its migrations: this one runs first.
    run_before = [("kit", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("auditentry", "kit_auditentry"),
                migrations.AlterModelTable("workerheartbeat", "kit_workerheartbeat"),
                migrations.RenameIndex(
                    "auditentry",
                    new_name="kit_auditen_target__671071_idx",
                    old_name="platform_ad_target__49c6ac_idx",
                ),
                migrations.RenameIndex(
                    "auditentry",
                    new_name="kit_auditen_communi_a1f547_idx",
                    old_name="platform_ad_communi_b6843d_idx",
                ),
            ],
            state_operations=[
                migrations.DeleteModel("AuditEntry"),
                migrations.DeleteModel("WorkerHeartbeat"),
            ],
        ),
        migrations.RunPython(to_kit, back_to_platform_admin),
    ]
