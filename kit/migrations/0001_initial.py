"""The audit log and the heartbeats, moved here from the app above that kept them before (its
migration renamed the tables and declares that it runs before this one): in the migration state
only, the tables and their rows stay as they are."""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.LINLI_COMMUNITY_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="WorkerHeartbeat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="process")),
                        ("last_seen", models.DateTimeField(verbose_name="last seen")),
                    ],
                    options={
                        "verbose_name": "background process",
                        "verbose_name_plural": "background processes",
                    },
                ),
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="time")),
                        ("actor_label", models.CharField(blank=True, max_length=100, verbose_name="by (as recorded)")),
                        ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                        ("target_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                        ("target_label", models.CharField(blank=True, max_length=200, verbose_name="object")),
                        ("data", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="details")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                        ("community", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.LINLI_COMMUNITY_MODEL, verbose_name="community")),
                        ("target_type", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="contenttypes.contenttype", verbose_name="object type")),
                    ],
                    options={
                        "verbose_name": "audit log entry",
                        "verbose_name_plural": "audit log",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["target_type", "target_id", "-created_at"], name="kit_auditen_target__671071_idx"),
                            models.Index(fields=["community", "-created_at"], name="kit_auditen_communi_a1f547_idx"),
                        ],
                    },
                ),
            ],
        ),
    ]
