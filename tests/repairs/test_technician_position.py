"""The position the technician's page sends while repairing (REP-6): kept only with consent,
only while 维修中, only from the order's technician, and gone when the job closes."""

import pytest
from django.urls import reverse

from repairs import services
from repairs.models import RepairOrder, TechnicianPosition

pytestmark = pytest.mark.req("REP-6")

Status = RepairOrder.Status
HANGZHOU = {"latitude": "30.274085", "longitude": "120.155070", "accuracy": "15"}


def position_url(order: RepairOrder) -> str:
    return reverse("repairs_tech:position", kwargs={"order_id": order.pk})


def test_position_is_kept_while_repairing_with_consent(client_for, technician, make_order):
    order = make_order("in_progress")
    client = client_for(technician)
    first = client.post(position_url(order), HANGZHOU)
    assert first.status_code == 200 and first.json()["ok"] is True
    second = client.post(position_url(order), {**HANGZHOU, "latitude": "30.275"})
    assert second.json()["ok"] is True
    stored = TechnicianPosition.objects.get(order=order)  # one row, overwritten
    assert str(stored.latitude) == "30.275000" and stored.accuracy_m == 15


def test_position_needs_the_csrf_token(client, technician, make_order):
    from django.test import Client

    order = make_order("in_progress")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(technician)
    assert strict.post(position_url(order), HANGZHOU).status_code == 403
    page = strict.get(reverse("repairs_tech:detail", args=[order.pk]))
    token = page.context["csrf_token"]
    response = strict.post(position_url(order), HANGZHOU, HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200 and response.json()["ok"] is True


def test_without_consent_the_page_is_told_to_stop(client_for, technician, technician_member,
                                                  make_order):  # fmt: skip
    order = make_order("confirmed")
    services.order_start(order=order, technician=technician_member, share_location=False)
    response = client_for(technician).post(position_url(order), HANGZHOU)
    assert response.status_code == 200 and response.json() == {"stop": True}
    assert not TechnicianPosition.objects.filter(order=order).exists()


def test_before_the_start_nothing_is_kept(client_for, technician, make_order):
    order = make_order("confirmed")
    response = client_for(technician).post(position_url(order), HANGZHOU)
    assert response.json() == {"stop": True}
    assert not TechnicianPosition.objects.exists()


def test_after_completion_the_page_is_told_to_stop(client_for, technician, make_order):
    order = make_order("completed")
    response = client_for(technician).post(position_url(order), HANGZHOU)
    assert response.status_code == 200 and response.json() == {"stop": True}
    assert not TechnicianPosition.objects.exists()


def test_from_another_technician_it_is_refused(client_for, other_technician,
                                               outsider_technician, make_order):  # fmt: skip
    order = make_order("in_progress")
    assert client_for(other_technician).post(position_url(order), HANGZHOU).status_code == 404
    assert client_for(outsider_technician).post(position_url(order), HANGZHOU).status_code == 404
    assert not TechnicianPosition.objects.exists()


def test_for_a_pool_order_it_is_forbidden(client_for, technician, make_order):
    order = make_order("accepted")  # visible to the technician, but not theirs
    response = client_for(technician).post(position_url(order), HANGZHOU)
    assert response.status_code == 403 and response.json()["stop"] is True
    assert not TechnicianPosition.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"latitude": "91", "longitude": "120"},
        {"latitude": "30", "longitude": "-181"},
        {"latitude": "abc", "longitude": "120"},
        {"latitude": "NaN", "longitude": "120"},
        {"latitude": "30", "longitude": "inf"},
        {"latitude": "30"},
        {},
    ],
)
def test_bad_coordinates_are_a_400(client_for, technician, make_order, data):
    order = make_order("in_progress")
    response = client_for(technician).post(position_url(order), data)
    assert response.status_code == 400 and response.json()["error"]
    assert not TechnicianPosition.objects.exists()


def test_position_is_deleted_when_the_job_is_finished(client_for, technician, make_order):
    from tests.factories import photo_upload

    order = make_order("in_progress")
    client = client_for(technician)
    client.post(position_url(order), HANGZHOU)
    assert TechnicianPosition.objects.filter(order=order).exists()
    client.post(
        reverse("repairs_tech:finish", args=[order.pk]),
        {"result_note": "已修好", "photos": [photo_upload()]},
    )
    assert not TechnicianPosition.objects.filter(order=order).exists()


def test_position_is_deleted_when_the_job_is_reassigned(client_for, technician, other_technician,
                                                        dispatcher, make_order):  # fmt: skip
    order = make_order("in_progress")
    client = client_for(technician)
    client.post(position_url(order), HANGZHOU)
    assert TechnicianPosition.objects.filter(order=order).exists()
    services.order_assign(order=order, technician=other_technician.staff_member, actor=dispatcher)
    assert not TechnicianPosition.objects.filter(order=order).exists()
    # The first technician's page is now refused and stops sending.
    response = client_for(technician).post(position_url(order), HANGZHOU)
    assert response.status_code == 404
    assert not TechnicianPosition.objects.exists()


def test_page_carries_the_interval_and_the_position_url(client_for, technician, make_order,
                                                        settings):  # fmt: skip
    settings.REPAIR_POSITION_INTERVAL_SECONDS = 20
    order = make_order("in_progress")
    body = client_for(technician).get(reverse("repairs_tech:detail", args=[order.pk]))
    html = body.content.decode()
    assert f'data-position-url="{position_url(order)}"' in html
    assert 'data-interval="20"' in html
    assert "staff/technician.js" in html
