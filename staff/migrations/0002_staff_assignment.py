"""A position is held per community: StaffAssignment(member, community, position) replaces
StaffMember.position, and positions leave the accounts' groups (where `user.has_perm` made them
apply in every community)."""

import django.db.models.deletion
from django.db import migrations, models


def positions_per_community(apps, schema_editor):
    StaffMember = apps.get_model("staff", "StaffMember")
    StaffAssignment = apps.get_model("staff", "StaffAssignment")
    Through = StaffMember.communities.through
    for member in StaffMember.objects.select_related("user").iterator():
        community_ids = Through.objects.filter(staffmember_id=member.pk).values_list(
            "community_id", flat=True
        )
        StaffAssignment.objects.bulk_create(
            StaffAssignment(member_id=member.pk, community_id=c, position_id=member.position_id)
            for c in community_ids
        )
        # Only the position: groups an operator gave the account themselves stay.
        member.user.groups.remove(member.position_id)


def one_position_per_member(apps, schema_editor):
    """Back to one position: the one held in most communities (the first by name on a tie);
    it is the account's group again while the member is active."""
    StaffMember = apps.get_model("staff", "StaffMember")
    StaffAssignment = apps.get_model("staff", "StaffAssignment")
    Through = StaffMember.communities.through
    for member in StaffMember.objects.select_related("user").iterator():
        assignments = list(
            StaffAssignment.objects.filter(member_id=member.pk).order_by("community__name")
        )
        if not assignments:
            continue
        counts = {}
        for assignment in assignments:
            counts[assignment.position_id] = counts.get(assignment.position_id, 0) + 1
        member.position_id = max(counts, key=counts.get)
        member.save(update_fields=["position"])
        Through.objects.bulk_create(
            Through(staffmember_id=member.pk, community_id=a.community_id) for a in assignments
        )
        if member.is_active:
            member.user.groups.add(member.position_id)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("community", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="staff_assignments", to="accounts.community", verbose_name="community")),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="assignments", to="staff.staffmember", verbose_name="staff member")),
                ("position", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="staff_assignments", to="auth.group", verbose_name="position")),
            ],
            options={
                "verbose_name": "position in a community",
                "verbose_name_plural": "positions in communities",
                "ordering": ["community__name"],
                "constraints": [models.UniqueConstraint(fields=("member", "community"), name="one_position_per_member_and_community")],
            },
        ),
        # Nullable first, so that the way back can fill it in before it is required again.
        migrations.AlterField(
            model_name="staffmember",
            name="position",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="staff_members", to="auth.group", verbose_name="position"),
        ),
        migrations.RunPython(positions_per_community, one_position_per_member),
        migrations.RemoveField(model_name="staffmember", name="communities"),
        migrations.AddField(
            model_name="staffmember",
            name="communities",
            field=models.ManyToManyField(related_name="staff_members", through="staff.StaffAssignment", to="accounts.community", verbose_name="communities served"),
        ),
        migrations.RemoveField(model_name="staffmember", name="position"),
        migrations.AlterModelOptions(
            name="staffmember",
            options={"ordering": ["company_id", "user__display_name"], "verbose_name": "staff member", "verbose_name_plural": "staff members"},
        ),
    ]
