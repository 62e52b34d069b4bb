"""Backups (PSET-2) for the operators: the list with size, duration and result, the detail with
the manifest and the verification, "back up now" (POST, audited, queued), and the
per-community export (an archive with that community's rows and files, no one else's)."""

import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kit.models import AuditEntry
from platform_admin.backups.export import export_community
from platform_admin.backups.models import BackupRun, CommunityExport
from tests.conftest import pass_second_factor
from tests.factories import RepairAttachmentFactory, RepairOrderFactory

pytestmark = pytest.mark.req("PSET-2")

MANIFEST = {
    "version": 1,
    "databases": {
        "default": {
            "engine": "postgresql",
            "size": 1234,
            "tables": {
                "accounts_community": {"rows": 2, "checksum": "00ab"},
                "repairs_repairorder": {"rows": 40, "checksum": "00cd"},
            },
        }
    },
    "files": {"private": {"repairs/1/leak.jpg": {"sha256": "ab" * 32, "size": 2048}}},
}


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    pass_second_factor(client, operator)
    return client


def make_runs(count: int) -> list[BackupRun]:
    now = timezone.now()
    return [
        BackupRun.objects.create(
            status=BackupRun.Status.SUCCEEDED,
            started_at=now,
            finished_at=now + timezone.timedelta(seconds=42),
            size=5_000_000,
            manifest=MANIFEST,
            key=f"2027/01/linli-{n}.linlibak",
            verification=BackupRun.Verification.PASSED,
            verified_at=now,
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_the_list_shows_size_duration_result_and_verification(
    operator_client, django_assert_max_num_queries
):
    make_runs(2)
    BackupRun.objects.create(
        status=BackupRun.Status.FAILED, started_at=timezone.now(), error="OSError: disk full"
    )
    with django_assert_max_num_queries(14):
        response = operator_client.get(reverse("admin:platform_backups"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "数据备份与恢复" in body and "42.0秒" in body and "4.8" in body
    assert "恢复校验一致" in body and "失败" in body and "disk full" in body
    make_runs(40)
    with django_assert_max_num_queries(14):
        assert operator_client.get(reverse("admin:platform_backups")).status_code == 200


@pytest.mark.django_db
def test_the_detail_shows_the_manifest_and_the_verification(operator_client):
    (run,) = make_runs(1)
    run.verification_result = {
        "ok": True,
        "seconds": 3.5,
        "databases": {"default": {"tables": 2, "rows": 42, "differences": []}},
        "files": {"private": {"files": 1, "missing": [], "changed": [], "extra": []}},
    }
    run.save()
    body = operator_client.get(reverse("admin:platform_backups_detail", args=[run.pk])).content
    body = body.decode()
    assert "repairs_repairorder" in body and "00cd" in body and "repairs/1/leak.jpg" in body
    assert "数据库 default" in body and "2张表，42行" in body and "1个文件" in body
    assert f"restore_backup {run.pk} --dry-run" in body


@pytest.mark.django_db
def test_back_up_now_is_queued_and_audited(operator_client, operator, monkeypatch):
    from platform_admin.backups import tasks

    queued = []
    monkeypatch.setattr(tasks.backup_task, "delay", queued.append)
    url = reverse("admin:platform_backups_start")
    assert operator_client.get(url).status_code == 405
    with pytest.MonkeyPatch.context():
        response = operator_client.post(url)
    assert response.status_code == 302
    run = BackupRun.objects.get()
    assert run.kind == BackupRun.Kind.MANUAL and run.requested_by == operator
    assert AuditEntry.objects.filter(action="backup.requested", actor=operator).exists()


@pytest.mark.django_db(transaction=True)
def test_back_up_now_runs_the_task_after_commit(operator_client, monkeypatch):
    from platform_admin.backups import tasks

    queued = []
    monkeypatch.setattr(tasks.backup_task, "delay", queued.append)
    operator_client.post(reverse("admin:platform_backups_start"))
    assert queued == [BackupRun.objects.get().pk]


@pytest.mark.django_db
def test_others_cannot_open_the_backup_pages(client_for, manager, resident):
    (run,) = make_runs(1)
    for user in (manager, resident):
        client = client_for(user)
        for url in (
            reverse("admin:platform_backups"),
            reverse("admin:platform_backups_detail", args=[run.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        client.post(reverse("admin:platform_backups_start"))
        client.logout()
    assert BackupRun.objects.count() == 1


@pytest.mark.django_db
def test_runs_are_read_only_in_the_admin(operator_client):
    (run,) = make_runs(1)
    assert operator_client.get(reverse("admin:platform_admin_backuprun_add")).status_code == 403
    response = operator_client.get(reverse("admin:platform_admin_backuprun_changelist"))
    assert response.status_code == 200
    assert reverse("admin:platform_backups_detail", args=[run.pk]) in response.content.decode()


# --- Per-community export ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_community_export_holds_its_rows_and_files_and_no_one_elses(
    community, other_community, tmp_path
):
    ours = RepairAttachmentFactory(
        order=RepairOrderFactory(household__room__building__community=community)
    )
    theirs = RepairAttachmentFactory(
        order=RepairOrderFactory(household__room__building__community=other_community)
    )
    target = tmp_path / "export.zip"
    counts = export_community(community, target)

    assert counts["repairs.RepairOrder"] == 1 and counts["accounts.Community"] == 1
    with zipfile.ZipFile(target) as zipped:
        names = zipped.namelist()
        orders = json.loads(zipped.read("data/repairs.repairorder.json"))
        communities = json.loads(zipped.read("data/accounts.community.json"))
        users = json.loads(zipped.read("data/accounts.user.json"))
        rooms = json.loads(zipped.read("data/accounts.room.json"))
    assert [row["pk"] for row in orders] == [ours.order.pk]
    assert [row["pk"] for row in communities] == [community.pk]
    assert theirs.order.room.pk not in [row["pk"] for row in rooms]
    assert ours.order.reporter_id in [row["pk"] for row in users]
    assert theirs.order.reporter_id not in [row["pk"] for row in users]
    assert all("password" not in row["fields"] for row in users)
    assert f"files/private/{ours.file.name}" in names
    assert f"files/private/{theirs.file.name}" not in names
    assert not any(other_community.name in zipped_name for zipped_name in names)


@pytest.mark.django_db
def test_export_command_and_page(operator_client, operator, community, tmp_path, monkeypatch):
    from platform_admin.backups import tasks

    RepairOrderFactory(household__room__building__community=community)
    target = tmp_path / "c.zip"
    call_command("export_community", str(community.pk), "--output", str(target))
    assert zipfile.ZipFile(target).read("export.json")

    queued = []
    monkeypatch.setattr(tasks.community_export_task, "delay", queued.append)
    url = reverse("admin:platform_backups_export")
    assert operator_client.get(url).status_code == 405
    response = operator_client.post(url, {"community": "999999"})
    assert response.status_code == 400 and "请从列表中选择小区" in response.content.decode()
    response = operator_client.post(url, {"community": community.pk})
    assert response.status_code == 302
    export = CommunityExport.objects.get()
    assert AuditEntry.objects.filter(action="backup.community_exported", actor=operator).exists()

    from platform_admin.backups.export import export_execute

    export_execute(export.pk)
    export.refresh_from_db()
    assert export.status == CommunityExport.Status.SUCCEEDED and export.size > 0
    response = operator_client.get(
        reverse("admin:platform_backups_export_download", args=[export.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
