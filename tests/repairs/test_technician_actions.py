"""The technician's actions through the phone pages: grab, accept, start, note, finish."""

import pytest
from django.urls import reverse

from notices.models import Message
from repairs.models import RepairAttachment, RepairEvent, RepairOrder, TechnicianPosition
from tests.factories import photo_upload

Status = RepairOrder.Status


def url(name: str, order: RepairOrder) -> str:
    return reverse(f"repairs_tech:{name}", kwargs={"order_id": order.pk})


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def followed_text(response) -> str:
    return response.content.decode()


@pytest.mark.req("SREP-1", "REP-5", "REP-6")
def test_the_whole_path_of_a_dispatched_job(
    client_for, technician, technician_member, resident, family_member, make_order,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    order = make_order("assigned", photos=2)
    client = client_for(technician)

    detail = client.get(url("detail", order))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert order.contact_phone in body and f"tel:{order.contact_phone}" in body
    assert url("accept", order) in body and url("start", order) in body
    report = order.attachments.first()
    assert reverse("repairs_tech:file", args=[order.pk, report.pk]) in body

    response = client.post(url("accept", order), follow=True)
    order.refresh_from_db()
    assert order.technician_accepted_at is not None and order.status == Status.ASSIGNED
    assert url("accept", order) not in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("start", order), {"share_location": "on"})
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS and order.share_location

    working = client.get(url("detail", order)).content.decode()
    assert url("position", order) in working and 'id="position-sharing"' in working

    answer = client.post(url("position", order), {"latitude": "30.2741", "longitude": "120.1551",
                                                  "accuracy": "12.5"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["ok"] is True
    position = TechnicianPosition.objects.get(order=order)
    assert float(position.latitude) == pytest.approx(30.2741) and position.accuracy_m == 12

    response = client.post(
        url("note", order),
        {"note": "需要更换配件，先关了总阀。", "photos": [photo_upload("n.jpg")]},
    )
    assert response.status_code == 302
    note = RepairEvent.objects.get(order=order, kind=RepairEvent.Kind.NOTE)
    assert note.note == "需要更换配件，先关了总阀。"
    assert note.attachments.filter(stage=RepairAttachment.Stage.PROGRESS).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("finish", order),
            {"result_note": "更换了水管接头，已试水。", "photos": [photo_upload("after.jpg")]},
        )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and not order.share_location
    assert order.attachments.filter(stage=RepairAttachment.Stage.RESULT).count() == 1
    assert not TechnicianPosition.objects.filter(order=order).exists()

    # The household (head and family member) heard of the start and of the end.
    for person in (resident, family_member):
        keys = set(
            Message.objects.filter(recipient=person, event="repair.status_changed").values_list(
                "key", flat=True
            )
        )
        assert any(key.startswith("started") for key in keys)
        assert any(key.startswith("completed") for key in keys)

    # Positions sent after the end are refused with "stop".
    late = client.post(url("position", order), {"latitude": "30.1", "longitude": "120.1"})
    assert late.json() == {"stop": True}
    assert not TechnicianPosition.objects.filter(order=order).exists()
    done = client.get(url("detail", order)).content.decode()
    assert "更换了水管接头" in done and url("finish", order) not in done


@pytest.mark.req("SREP-1")
def test_grabbing_from_the_pool_makes_the_job_mine(client_for, technician, technician_member,
                                                   make_order):  # fmt: skip
    order = make_order("accepted")
    client = client_for(technician)
    pool_page = client.get(url("detail", order)).content.decode()
    assert url("grab", order) in pool_page
    assert order.contact_phone not in pool_page  # contact shown only once the job is yours

    response = client.post(url("grab", order))
    assert response.status_code == 302 and response["Location"] == url("detail", order)
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED and order.technician == technician_member
    assert order.technician_accepted_at is not None
    page = client.get(url("detail", order)).content.decode()
    assert order.contact_phone in page and url("start", order) in page
    assert url("accept", order) not in page  # grabbing is accepting


@pytest.mark.req("SREP-1")
def test_second_grab_is_told_the_job_is_gone(client_for, technician, other_technician,
                                             make_order):  # fmt: skip
    order = make_order("accepted")
    client_for(other_technician).post(url("grab", order))
    order.refresh_from_db()
    assert order.technician.user == other_technician

    client = client_for(technician)
    response = client.post(url("grab", order), follow=True)
    assert response.status_code == 200
    assert any("已被" in m or "抢" in m or "taken" in m for m in page_messages(response))
    assert response.redirect_chain[-1][0].endswith("?tab=pool")
    order.refresh_from_db()
    assert order.technician.user == other_technician
    # And the colleague's job stays out of sight.
    assert client.get(url("detail", order)).status_code == 404


@pytest.mark.req("SREP-1")
def test_accepting_twice_is_refused_with_a_message(client_for, technician, make_order):
    order = make_order("confirmed")
    response = client_for(technician).post(url("accept", order), follow=True)
    assert response.status_code == 200
    assert page_messages(response)
    assert response.context["order"].pk == order.pk


@pytest.mark.req("REP-5")
def test_illegal_moves_are_refused_with_a_message(client_for, technician, make_order):
    client = client_for(technician)
    assigned = make_order("assigned")
    # Finishing before starting.
    response = client.post(
        url("finish", assigned),
        {"result_note": "修好了", "photos": [photo_upload()]},
        follow=True,
    )
    assert response.status_code == 200 and page_messages(response)
    assigned.refresh_from_db()
    assert assigned.status == Status.ASSIGNED

    # Starting twice.
    client.post(url("start", assigned))
    response = client.post(url("start", assigned), follow=True)
    assert response.status_code == 200 and page_messages(response)

    # Accepting or starting a job still in the pool (not yours yet).
    pooled = make_order("accepted")
    for action in ("accept", "start"):
        response = client.post(url(action, pooled), follow=True)
        assert response.status_code == 200 and page_messages(response)
    pooled.refresh_from_db()
    assert pooled.status == Status.ACCEPTED

    # Acting on a completed job.
    completed = make_order("completed")
    for action, data in (("note", {"note": "补充"}), ("start", {}), ("sharing", {"share": "on"})):
        response = client.post(url(action, completed), data, follow=True)
        assert response.status_code == 200 and page_messages(response), action
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED and not completed.share_location


def test_cancelled_job_cannot_be_started(client_for, technician, dispatcher, make_order):
    from repairs import services

    order = make_order("assigned")
    services.order_cancel_by_staff(order=order, actor=dispatcher, reason="住户已自行修好")
    response = client_for(technician).post(url("start", order), follow=True)
    assert response.status_code == 200 and page_messages(response)
    order.refresh_from_db()
    assert order.status == Status.CANCELLED


@pytest.mark.req("REP-5")
def test_start_without_consent_shares_nothing(client_for, technician, make_order):
    order = make_order("confirmed")
    client = client_for(technician)
    page = client.get(url("detail", order)).content.decode()
    assert (
        'name="share_location"' in page
        and "checked" not in page.split('name="share_location"')[1][:40]
    )
    client.post(url("start", order))
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS and not order.share_location
    page = client.get(url("detail", order)).content.decode()
    assert 'id="position-sharing"' not in page


def test_finish_without_photo_keeps_the_text(client_for, technician, make_order):
    order = make_order("in_progress")
    response = client_for(technician).post(url("finish", order), {"result_note": "换了阀门芯"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "换了阀门芯" in body
    assert response.context["finish_form"].errors["photos"]
    assert "再次选择" in body or "重新选择" in body or "choose them again" in body
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS


def test_finish_with_too_many_or_bad_photos_is_a_form_error(client_for, technician, make_order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = make_order("in_progress")
    client = client_for(technician)
    too_many = [photo_upload(f"a{n}.jpg", size=(20, 20)) for n in range(10)]
    response = client.post(url("finish", order), {"result_note": "修好", "photos": too_many})
    assert response.status_code == 400 and response.context["finish_form"].errors["photos"]

    fake = SimpleUploadedFile("after.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = client.post(url("finish", order), {"result_note": "修好", "photos": [fake]})
    assert response.status_code == 400
    assert "after.jpg" in " ".join(response.context["finish_form"].errors["photos"])
    assert "修好" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS


def test_empty_note_is_a_form_error(client_for, technician, make_order):
    order = make_order("in_progress")
    response = client_for(technician).post(url("note", order), {"note": "  "})
    assert response.status_code == 400
    assert response.context["note_form"].errors["note"]


def test_sharing_can_be_switched_off_and_on(client_for, technician, make_order):
    order = make_order("in_progress")
    client = client_for(technician)
    client.post(url("position", order), {"latitude": "30.27", "longitude": "120.15"})
    assert TechnicianPosition.objects.filter(order=order).exists()

    client.post(url("sharing", order), {})
    order.refresh_from_db()
    assert not order.share_location
    assert not TechnicianPosition.objects.filter(order=order).exists()

    client.post(url("sharing", order), {"share": "on"})
    order.refresh_from_db()
    assert order.share_location


@pytest.mark.parametrize(
    "name", ["grab", "accept", "start", "note", "finish", "position", "sharing"]
)
def test_actions_are_post_only(client_for, technician, make_order, name):
    order = make_order("assigned")
    assert client_for(technician).get(url(name, order)).status_code == 405


@pytest.mark.parametrize("name", ["detail", "accept", "start", "note", "finish", "sharing"])
def test_another_technicians_job_is_not_found(client_for, other_technician, make_order, name):
    order = make_order("in_progress")
    client = client_for(other_technician)
    response = client.get(url(name, order)) if name == "detail" else client.post(url(name, order))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS


@pytest.mark.parametrize("name", ["detail", "grab", "accept", "start", "note", "finish"])
def test_another_communitys_job_is_not_found(client_for, outsider_technician, make_order, name):
    order = make_order("accepted")  # even a pool job
    client = client_for(outsider_technician)
    response = client.get(url(name, order)) if name == "detail" else client.post(url(name, order))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED


def test_staff_without_the_technician_duty_are_refused(client_for, dispatcher, resident,
                                                       make_order):  # fmt: skip
    order = make_order("accepted")
    assert client_for(dispatcher).get(url("detail", order)).status_code == 403
    assert client_for(dispatcher).post(url("grab", order)).status_code == 403
    response = client_for(resident).get(url("detail", order))
    assert response.status_code == 403
