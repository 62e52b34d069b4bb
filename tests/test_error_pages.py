import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from .factories import RoomFactory


@pytest.mark.req("X-1", "X-2")
def test_another_communitys_object_is_a_chinese_404(client_for, staff_user, other_community):
    foreign = RoomFactory(building__community=other_community)
    response = client_for(staff_user).get(
        reverse("staff_residents:room_detail", kwargs={"room_id": foreign.pk})
    )
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert 'href="/staff/"' in body
    assert foreign.number not in body


@pytest.mark.req("X-2")
def test_a_missing_permission_is_a_chinese_403(client_for, technician):
    response = client_for(technician).get(reverse("staff:audit_log"))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_the_500_page_renders_without_a_request():
    assert "出错了" in render_to_string("500.html")


@pytest.mark.req("X-2", "ACC-1")
def test_too_many_requests_is_a_chinese_429(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    login = reverse("account_login")
    client.post(login, {"login": "13900000001", "password": "wrong"})
    response = client.post(login, {"login": "13900000001", "password": "wrong"})
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
