"""Backups (PSET-2): backup → change data and files → restore → compare, on the database the
tests run on (SQLite by default, PostgreSQL with DATABASE_URL), files of both storages
included, in folders and in an S3 bucket; the scheduled verification in a scratch database;
the dry run."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from accounts.models import Community
from notices.models import Message
from platform_admin.backups import restore, services
from platform_admin.backups.destinations import FolderDestination
from platform_admin.backups.models import BackupRun
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.req("PSET-2"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stores(settings, tmp_path):
    """Both storages and the destination in folders of this test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.LINLI_BACKUP_DESTINATION = str(tmp_path / "backups")
    settings.LINLI_BACKUP_WORK_DIR = str(tmp_path / "work")
    return tmp_path


def backup() -> BackupRun:
    run = services.backup_execute(BackupRun.objects.create().pk)
    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    return run


def test_backup_change_restore_compare(stores):
    kept = CommunityFactory(name="翠湖花园")
    doomed = CommunityFactory(name="金桂苑")
    storages["default"].save("notices/poster.png", ContentFile(b"poster v1"))
    storages["private"].save("repairs/1/leak.jpg", ContentFile(b"photo of the leak"))
    run = backup()

    assert Path(stores / "backups" / run.key).is_file()
    assert b"poster v1" not in Path(stores / "backups" / run.key).read_bytes()  # encrypted
    tables = run.manifest["databases"]["default"]["tables"]
    assert tables["accounts_community"]["rows"] == 2
    assert run.manifest["files"]["default"]["notices/poster.png"]["size"] == 9
    assert "repairs/1/leak.jpg" in run.manifest["files"]["private"]

    # The day goes wrong: rows changed, added and deleted, files overwritten and lost.
    Community.objects.filter(pk=kept.pk).update(name="改过的名字")
    doomed.delete()
    CommunityFactory(name="新来的小区")
    storages["default"].delete("notices/poster.png")
    storages["default"].save("notices/poster.png", ContentFile(b"poster v2, wrong"))
    storages["private"].delete("repairs/1/leak.jpg")
    storages["private"].save("later/new.txt", ContentFile(b"made after the backup"))

    preview = restore.dry_run(restore.Source.parse(str(run.pk)))
    assert not preview["ok"]
    (community_table,) = [
        d
        for d in preview["databases"]["default"]["differences"]
        if d["table"] == "accounts_community"
    ]
    assert community_table["backup_rows"] == 2 and community_table["current_rows"] == 2
    assert community_table["checksum_differs"]
    assert preview["files"]["default"]["changed"] == ["notices/poster.png"]
    assert preview["files"]["private"]["missing"] == ["repairs/1/leak.jpg"]
    assert preview["files"]["private"]["extra"] == ["later/new.txt"]

    call_command("restore_backup", str(run.pk), "--noinput")

    assert set(Community.objects.values_list("name", flat=True)) == {"翠湖花园", "金桂苑"}
    assert storages["default"].open("notices/poster.png").read() == b"poster v1"
    assert storages["private"].open("repairs/1/leak.jpg").read() == b"photo of the leak"
    assert storages["private"].exists("later/new.txt")  # left in place, reported as extra
    # The restore brought back the database of that moment: the run as it was while running.
    assert BackupRun.objects.get(pk=run.pk).status == BackupRun.Status.RUNNING


def test_dry_run_prints_what_would_change_and_changes_nothing(stores, capsys):
    CommunityFactory(name="翠湖花园")
    run = backup()
    CommunityFactory(name="新来的小区")
    call_command("restore_backup", str(run.pk), "--dry-run")
    out = capsys.readouterr().out
    assert "accounts_community: backup 1 → now 2" in out
    assert Community.objects.count() == 2


def test_restore_from_an_archive_file(stores, tmp_path):
    CommunityFactory(name="翠湖花园")
    run = backup()
    copy = tmp_path / "copy.linlibak"
    copy.write_bytes((stores / "backups" / run.key).read_bytes())
    Community.objects.all().delete()
    call_command("restore_backup", str(copy), "--noinput")
    assert list(Community.objects.values_list("name", flat=True)) == ["翠湖花园"]


def test_restore_refuses_what_is_no_backup(stores, tmp_path):
    with pytest.raises(CommandError, match="no backup #999"):
        call_command("restore_backup", "999", "--dry-run")
    junk = tmp_path / "junk.linlibak"
    junk.write_bytes(b"not an archive at all")
    with pytest.raises(CommandError, match="Not a Linli backup archive"):
        call_command("restore_backup", str(junk), "--dry-run")


def test_verification_restores_into_a_scratch_database(stores, operator):
    CommunityFactory(name="翠湖花园")
    storages["private"].save("a/b.txt", ContentFile(b"bytes"))
    run = backup()
    CommunityFactory(name="之后的小区")  # the live database moves on; the backup is what counts

    verified = services.verify_latest()

    assert verified.pk == run.pk
    assert verified.verification == BackupRun.Verification.PASSED, verified.verification_result
    result = verified.verification_result
    assert result["databases"]["default"]["differences"] == []
    assert result["files"]["private"]["files"] == 1
    assert not Message.objects.filter(event="backup.verification_failed").exists()


def test_verification_that_finds_a_difference_alerts_the_operators(stores, operator):
    CommunityFactory(name="翠湖花园")
    run = backup()
    # The archive does not hold what the manifest promised (as if rows went missing on the way).
    manifest = run.manifest
    manifest["databases"]["default"]["tables"]["accounts_community"]["rows"] = 5
    BackupRun.objects.filter(pk=run.pk).update(manifest=manifest)
    Path(stores / "backups" / run.key).write_bytes(Path(stores / "backups" / run.key).read_bytes())

    verified = services.verify(run.pk, destination=FolderDestination(stores / "backups"))

    assert verified.verification == BackupRun.Verification.FAILED
    assert Message.objects.filter(event="backup.verification_failed", recipient=operator).exists()


def test_a_damaged_archive_fails_verification(stores, operator):
    run = backup()
    path = stores / "backups" / run.key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    verified = services.verify(run.pk)
    assert verified.verification == BackupRun.Verification.FAILED
    assert "damaged" in verified.verification_result["error"]


def test_files_in_object_storage_are_backed_up_and_restored(stores, settings, s3_endpoint):
    """Both storages in an S3-compatible bucket (config.storage, moto's server on localhost):
    the archive holds their files, the verification finds them all in it, and a restore puts
    back what was lost or overwritten."""
    import boto3

    from config.storage import object_storage

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="cn-north-1").create_bucket(
        Bucket="linli-files", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    in_bucket = {
        alias: object_storage("s3://linli-files/site-a", folder=alias, endpoint_url=s3_endpoint,
                              region="cn-north-1", addressing_style="path")
        for alias in ("default", "private")
    }  # fmt: skip
    settings.STORAGES = {**settings.STORAGES, **in_bucket}
    storages["default"].save("notices/海报.png", ContentFile(b"poster v1"))
    storages["private"].save("repairs/1/leak.jpg", ContentFile(b"photo of the leak"))
    CommunityFactory(name="翠湖花园")
    run = backup()
    assert run.manifest["files"]["default"]["notices/海报.png"]["size"] == 9
    assert run.manifest["files"]["private"]["repairs/1/leak.jpg"]["size"] == 17
    verified = services.verify(run.pk)
    assert verified.verification == BackupRun.Verification.PASSED, verified.verification_result
    assert verified.verification_result["files"]["private"]["files"] == 1

    storages["default"].delete("notices/海报.png")
    storages["default"].save("notices/海报.png", ContentFile(b"poster v2, wrong"))
    storages["private"].delete("repairs/1/leak.jpg")
    preview = restore.dry_run(restore.Source.parse(str(run.pk)))
    assert preview["files"]["default"]["changed"] == ["notices/海报.png"]
    assert preview["files"]["private"]["missing"] == ["repairs/1/leak.jpg"]

    call_command("restore_backup", str(run.pk), "--noinput")

    assert storages["default"].open("notices/海报.png").read() == b"poster v1"
    assert storages["private"].open("repairs/1/leak.jpg").read() == b"photo of the leak"
    keys = {o.key for o in storages["private"].bucket.objects.all()}
    assert "site-a/private/repairs/1/leak.jpg" in keys
