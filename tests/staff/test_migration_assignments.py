"""The data migration to per-community positions: every member holds their old position in
each community they served, and the position is no longer one of the account's groups."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("latest_migrations_afterwards")

BEFORE = [("staff", "0001_initial")]
AFTER = [("staff", "0002_staff_assignment")]


def migrate(staff_targets):
    """Every other app at its latest migration, staff at `staff_targets`; the models as they
    were then."""
    executor = MigrationExecutor(connection)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "staff"]
    targets = others + staff_targets
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_member_holds_their_position_in_every_community_they_served():
    apps = migrate(BEFORE)
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    Company = apps.get_model("accounts", "PropertyCompany")
    Community = apps.get_model("accounts", "Community")
    StaffMember = apps.get_model("staff", "StaffMember")
    company = Company.objects.create(name="迁移物业服务有限公司", short_name="迁移物业")
    east, west, other = (
        Community.objects.create(company=company, name=name, address="杭州市测试路1号")
        for name in ("东区", "西区", "北区")
    )
    manager, technician = (Group.objects.get_or_create(name=n)[0] for n in ("经理", "维修工"))
    operators = Group.objects.create(name="运营")
    regional_user = User.objects.create(mobile="13711110001", display_name="孙区域")
    regional_user.groups.add(manager, operators)
    regional = StaffMember.objects.create(user=regional_user, company=company, position=manager)
    regional.communities.set([east, west])
    fixer_user = User.objects.create(mobile="13711110002", display_name="吴师傅")
    fixer_user.groups.add(technician)
    fixer = StaffMember.objects.create(
        user=fixer_user, company=company, position=technician, is_active=False
    )
    fixer.communities.set([other])

    apps = migrate(AFTER)
    Assignment = apps.get_model("staff", "StaffAssignment")
    User = apps.get_model("accounts", "User")
    rows = set(Assignment.objects.values_list("member_id", "community_id", "position__name"))
    assert rows == {
        (regional.pk, east.pk, "经理"),
        (regional.pk, west.pk, "经理"),
        (fixer.pk, other.pk, "维修工"),
    }
    StaffMember = apps.get_model("staff", "StaffMember")
    served = StaffMember.objects.get(pk=regional.pk).communities.values_list("pk", flat=True)
    assert set(served) == {east.pk, west.pk}
    assert list(User.objects.get(pk=regional_user.pk).groups.values_list("name", flat=True)) == [
        "运营"
    ]
    assert not User.objects.get(pk=fixer_user.pk).groups.exists()

    # And back: one position per member again, and in the account's groups while active.
    apps = migrate(BEFORE)
    StaffMember = apps.get_model("staff", "StaffMember")
    User = apps.get_model("accounts", "User")
    back = StaffMember.objects.get(pk=regional.pk)
    assert back.position.name == "经理"
    assert set(back.communities.values_list("pk", flat=True)) == {east.pk, west.pk}
    assert set(User.objects.get(pk=regional_user.pk).groups.values_list("name", flat=True)) == {
        "经理",
        "运营",
    }
    migrate(AFTER)
