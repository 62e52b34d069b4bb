"""Notices saved before the sanitiser kept only the editor's own classes may still carry a
clerk's class (an overlay, a full-screen link) or a frame target: clean them once more."""

from django.db import migrations


def resanitise(apps, schema_editor):
    # The product's sanitiser itself: the point is that old bodies follow today's rules.
    from notices.services import sanitize_body

    Notice = apps.get_model("notices", "Notice")
    for notice in Notice.objects.filter(body__regex=r"class=|style=|target=").only("body"):
        cleaned = sanitize_body(notice.body)
        if cleaned != notice.body:
            Notice.objects.filter(pk=notice.pk).update(body=cleaned)


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_fan_out_outbox")]

    operations = [migrations.RunPython(resanitise, migrations.RunPython.noop, elidable=True)]
