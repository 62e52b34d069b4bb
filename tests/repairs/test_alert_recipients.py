"""Overdue orders and low ratings reach the staff whose position in the community carries
repairs.view_repair_performance (the manager's, by default), whatever the position is called:
operators may rename positions in the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from notices.models import Message
from repairs import services
from staff.positions import FRONT_DESK, MANAGER

pytestmark = [pytest.mark.django_db, pytest.mark.req("SREP-2", "REP-7")]


def messages_to(user, event):
    return Message.objects.filter(recipient=user, event=event)


def oversight() -> Permission:
    return Permission.objects.get(
        content_type__app_label="repairs", codename="view_repair_performance"
    )


def test_a_renamed_manager_position_still_hears_of_overdue_orders(make_order, manager, staff_user):
    Group.objects.filter(name=MANAGER).update(name="项目经理")
    order = make_order("pending")
    assert services.escalate_overdue(order.accept_due_at + dt.timedelta(minutes=1)) == 1
    assert messages_to(manager, "repair.overdue").count() == 1
    assert not messages_to(staff_user, "repair.overdue").exists()


def test_a_renamed_manager_position_still_hears_of_low_ratings(
    client_for, resident, make_order, manager, staff_user, django_capture_on_commit_callbacks
):
    Group.objects.filter(name=MANAGER).update(name="项目经理")
    order = make_order("completed")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(
            reverse("repairs:rate", args=[order.pk]), {"speed": 1, "quality": 2, "attitude": 2}
        )
    assert messages_to(manager, "repair.low_rating").count() == 1
    assert not messages_to(staff_user, "repair.low_rating").exists()


def test_the_alerts_follow_the_permission_not_the_position(make_order, manager, staff_user):
    Group.objects.get(name=MANAGER).permissions.remove(oversight())
    Group.objects.get(name=FRONT_DESK).permissions.add(oversight())
    order = make_order("pending")
    services.escalate_overdue(order.accept_due_at + dt.timedelta(minutes=1))
    assert messages_to(staff_user, "repair.overdue").count() == 1
    assert not messages_to(manager, "repair.overdue").exists()
