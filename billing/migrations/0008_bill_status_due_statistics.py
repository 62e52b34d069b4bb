"""PostgreSQL's planner cannot know that a bill's status and due date go together (the open
month's bills are unpaid and not yet due; past months' are paid or overdue), so it guesses
that tens of thousands of bills are unpaid and past due where a few thousand are, and reads the
community's every bill instead of the status index: the home page's arrears took 300 ms on the
20,000-room estate, 12 ms with these statistics (bench/office.py)."""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS billing_bill_community_status_due (mcv) "
    "ON community_id, status, due_date FROM billing_bill"
)
DROP = "DROP STATISTICS IF EXISTS billing_bill_community_status_due"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute("ANALYZE billing_bill")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_counter_method_labels")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
