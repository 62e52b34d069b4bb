"""The staff notice pages: write, schedule, preview, publish to buildings, edit, withdraw, pin,
files, and the reach of a notice (SNOT-1, SNOT-2)."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Residency
from kit.audit import entries_for
from notices import services
from notices.models import Message, Notice, NoticeAttachment, NoticeRead
from tests.factories import (
    BuildingFactory,
    NoticeFactory,
    ResidencyFactory,
    RoomFactory,
    photo_upload,
)

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def form_data(**overrides):
    data = {
        "title": "停水通知",
        "body": "<p>明日 9:00–17:00 停水。</p>",
        "category": Notice.Category.OUTAGE,
        "importance": "normal",
        "audience": "all",
        "publish": "now",
        "publish_at": "",
        "expires_at": "",
    }
    data.update(overrides)
    return data


def published(community, actor, **kwargs):
    buildings = kwargs.pop("buildings", [])
    notice = NoticeFactory.build(community=community, **kwargs)
    return services.notice_save(notice=notice, actor=actor, buildings=buildings, publish="now")


@pytest.mark.req("SNOT-1")
def test_create_and_publish_now_to_two_buildings(
    client_for, staff_user, community, django_capture_on_commit_callbacks
):
    first, second, third = (BuildingFactory(community=community) for _ in range(3))
    inside = [ResidencyFactory(room=RoomFactory(building=b)).user for b in (first, second)]
    outside = ResidencyFactory(room=RoomFactory(building=third)).user
    client = client_for(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notices_staff:create"),
            form_data(audience="buildings", buildings=[first.pk, second.pk]),
        )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notices_staff:detail", args=[notice.pk])
    assert notice.status == Notice.Status.PUBLISHED and notice.published_at is not None
    assert set(notice.buildings.all()) == {first, second}
    assert notice.created_by == staff_user
    recipients = set(
        Message.objects.filter(event="notice.published").values_list("recipient", flat=True)
    )
    assert recipients == {user.pk for user in inside}
    assert outside.pk not in recipients


@pytest.mark.req("SNOT-1")
def test_schedule_in_the_future(client_for, staff_user, community, resident):
    when = timezone.localtime() + dt.timedelta(days=1)
    response = client_for(staff_user).post(
        reverse("notices_staff:create"),
        form_data(publish="scheduled", publish_at=when.strftime(LOCAL)),
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.SCHEDULED
    assert notice.published_at is None
    assert abs(notice.publish_at - when) < dt.timedelta(minutes=1)
    assert not Message.objects.exists()


@pytest.mark.req("SNOT-1")
def test_schedule_in_the_past_is_refused(client_for, staff_user, community):
    when = timezone.localtime() - dt.timedelta(hours=1)
    response = client_for(staff_user).post(
        reverse("notices_staff:create"),
        form_data(publish="scheduled", publish_at=when.strftime(LOCAL)),
    )
    assert response.status_code == 400
    assert "publish_at" in response.context["form"].errors
    assert not Notice.objects.exists()


@pytest.mark.req("SNOT-1")
def test_validation_errors_keep_what_was_typed(client_for, staff_user, community):
    response = client_for(staff_user).post(
        reverse("notices_staff:create"),
        form_data(title="", body="<p>保留这段文字</p>", audience="buildings"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"title", "buildings"}
    html = response.content.decode()
    assert "这个字段是必填项。" in html
    assert "保留这段文字" in html
    assert (
        'value="buildings" class="form-check-input" id="id_audience_1" required checked' in html
        or ('id="id_audience_1"' in html and "checked" in html)
    )
    assert not Notice.objects.exists()


@pytest.mark.req("SNOT-1")
def test_empty_text_is_refused_after_sanitising(client_for, staff_user, community):
    response = client_for(staff_user).post(
        reverse("notices_staff:create"), form_data(title="标题保留", body="<script>x()</script>")
    )
    assert response.status_code == 400
    assert "body" in response.context["form"].errors
    assert "标题保留" in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.req("SNOT-1")
def test_a_building_of_another_community_is_refused(
    client_for, staff_user, community, other_community
):
    foreign = BuildingFactory(community=other_community)
    response = client_for(staff_user).post(
        reverse("notices_staff:create"), form_data(audience="buildings", buildings=[foreign.pk])
    )
    assert response.status_code == 400
    assert "buildings" in response.context["form"].errors
    assert not Notice.objects.exists()


@pytest.mark.req("SNOT-1")
def test_form_offers_only_this_communitys_buildings(
    client_for, staff_user, community, other_community
):
    own = BuildingFactory(community=community, name="本小区楼")
    BuildingFactory(community=other_community, name="别处楼")
    html = client_for(staff_user).get(reverse("notices_staff:create")).content.decode()
    assert own.name in html
    assert "别处楼" not in html
    assert "vendor/quill/quill.js" in html and 'name="body"' in html


@pytest.mark.req("SNOT-1")
def test_edit_of_a_published_notice_keeps_the_before_in_the_audit(
    client_for, staff_user, community, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = published(community, staff_user, title="旧标题")
    messages_before = Message.objects.count()
    response = client_for(staff_user).post(
        reverse("notices_staff:edit", args=[notice.pk]), form_data(title="新标题")
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "新标题"
    assert notice.status == Notice.Status.PUBLISHED
    change = entries_for(notice).get(action="notice.changed")
    assert change.data["before"]["title"] == "旧标题"
    assert change.data["after"]["title"] == "新标题"
    assert Message.objects.count() == messages_before  # nobody is notified again


@pytest.mark.req("SNOT-2")
def test_withdraw_is_post_only_and_hides_the_notice(client_for, staff_user, community, resident):
    notice = published(community, staff_user)
    client = client_for(staff_user)
    url = reverse("notices_staff:withdraw", args=[notice.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Notice.Status.WITHDRAWN
    assert not Notice.objects.live().filter(pk=notice.pk).exists()
    assert entries_for(notice).filter(action="notice.withdrawn").exists()


@pytest.mark.req("SNOT-2")
def test_pin_and_unpin(client_for, staff_user, community):
    notice = published(community, staff_user)
    client = client_for(staff_user)
    url = reverse("notices_staff:pin", args=[notice.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"pinned": "1"})
    notice.refresh_from_db()
    assert notice.pinned
    client.post(url, {"pinned": "0"})
    notice.refresh_from_db()
    assert not notice.pinned
    client.post(url)  # no value: toggles
    notice.refresh_from_db()
    assert notice.pinned
    actions = list(entries_for(notice).values_list("action", flat=True))
    assert actions.count("notice.pinned") == 2 and actions.count("notice.unpinned") == 1


@pytest.mark.req("SNOT-1")
def test_preview_sanitises_the_text(client_for, staff_user, community):
    response = client_for(staff_user).post(
        reverse("notices_staff:preview"),
        {"title": "预览", "body": "<p>正文<script>alert(1)</script><b>粗</b></p>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "alert(1)" not in html
    assert "<b>粗</b>" in html and "预览" in html
    assert client_for(staff_user).get(reverse("notices_staff:preview")).status_code == 405


def _pdf(name="通知.pdf", content=b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.req("SNOT-1")
def test_image_attachment_is_re_encoded_and_pdf_kept(client_for, staff_user, community):
    photo = photo_upload("现场.png", size=(3000, 1500), image_format="PNG")
    response = client_for(staff_user).post(
        reverse("notices_staff:create"),
        {**form_data(publish="draft"), "attachments": [photo, _pdf()]},
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    image, document = notice.attachments.order_by("kind")
    assert (image.kind, document.kind) == (NoticeAttachment.Kind.IMAGE, NoticeAttachment.Kind.PDF)
    assert image.original_name == "现场.png" and image.file.name.endswith(".jpg")
    assert "现场" not in image.file.name
    with image.file.open("rb") as stored:
        decoded = Image.open(io.BytesIO(stored.read()))
    assert decoded.format == "JPEG"
    assert max(decoded.size) == 2000
    assert not decoded.getexif()
    # Staff can download both.
    client = client_for(staff_user)
    for attachment in (image, document):
        url = reverse("notices_staff:attachment", args=[notice.pk, attachment.pk])
        assert client.get(url).status_code == 200


@pytest.mark.req("SNOT-1")
def test_a_fake_pdf_is_refused_and_nothing_is_kept(client_for, staff_user, community):
    fake = _pdf("账单.pdf", b"<html>not a pdf</html>")
    response = client_for(staff_user).post(
        reverse("notices_staff:create"),
        {**form_data(title="带附件"), "attachments": [fake]},
    )
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert "带附件" in response.content.decode()
    assert not Notice.objects.exists()
    assert not NoticeAttachment.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.req("SNOT-1")
def test_at_most_nine_files(community, staff_user):
    notice = published(community, staff_user)
    with pytest.raises(services.ValidationError):
        services.notice_attachments_add(
            notice=notice, files=[_pdf(f"{i}.pdf") for i in range(10)], actor=staff_user
        )
    assert not notice.attachments.exists()


@pytest.mark.req("SNOT-2")
def test_detail_shows_stats_and_who_has_not_read(
    client_for, staff_user, community, room, resident, django_capture_on_commit_callbacks
):
    neighbour = ResidencyFactory(
        room=RoomFactory(building=room.building, number="1502", floor=15),
        user__display_name="赵敏",
        relation=Residency.Relation.TENANT,
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        notice = published(community, staff_user)
    NoticeRead.objects.create(notice=notice, user=resident)
    response = client_for(staff_user).get(reverse("notices_staff:detail", args=[notice.pk]))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats["audience"] == 2 and stats["delivered"] == 2 and stats["read"] == 1
    assert stats["read_percent"] == 50
    unread = [row.record.user for row in response.context["unread"].paginated_rows]
    assert unread == [neighbour]
    html = response.content.decode()
    assert "赵敏" in html and "50%" in html
    assert "notice.published" not in html  # actions are shown by their labels
    assert entries_for(notice).filter(action="notice.published").exists()


@pytest.mark.req("SNOT-2")
def test_another_communitys_notice_is_404(client_for, staff_user, other_community, outsider_staff):
    foreign = published(other_community, outsider_staff)
    client = client_for(staff_user)
    for name in ("notices_staff:detail", "notices_staff:edit"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    assert client.post(reverse("notices_staff:withdraw", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("notices_staff:pin", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Notice.Status.PUBLISHED and not foreign.pinned


@pytest.mark.req("SNOT-2")
def test_a_technician_may_not_see_notices(client_for, technician, community):
    notice = NoticeFactory(community=community)
    client = client_for(technician)
    assert client.get(reverse("notices_staff:list")).status_code == 403
    assert client.get(reverse("notices_staff:detail", args=[notice.pk])).status_code == 403


@pytest.mark.req("SNOT-2")
def test_list_filters_marks_and_actions(client_for, staff_user, community, other_community):
    building = BuildingFactory(community=community, name="9栋")
    pinned = published(community, staff_user, title="置顶的通知", buildings=[building])
    services.notice_set_pinned(notice=pinned, pinned=True, actor=staff_user)
    NoticeFactory(community=community, title="草稿通知")
    NoticeFactory(community=other_community, title="别处的通知")
    client = client_for(staff_user)
    html = client.get(reverse("notices_staff:list")).content.decode()
    assert "置顶的通知" in html and "草稿通知" in html and "别处的通知" not in html
    assert "bi-pin-angle-fill" in html and "9栋" in html
    assert reverse("notices_staff:edit", args=[pinned.pk]) in html
    html = client.get(reverse("notices_staff:list"), {"status": "draft"}).content.decode()
    assert "草稿通知" in html and "置顶的通知" not in html
    html = client.get(reverse("notices_staff:list"), {"q": "置顶"}).content.decode()
    assert "置顶的通知" in html and "草稿通知" not in html


@pytest.mark.req("SNOT-2")
def test_list_query_count_is_bounded(client_for, staff_user, community):
    client = client_for(staff_user)
    url = reverse("notices_staff:list")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    building = BuildingFactory(community=community)
    published(community, staff_user, buildings=[building])
    queries()  # process-wide caches (content types) fill on the first request
    few = queries()
    for _ in range(12):
        notice = published(community, staff_user, buildings=[building])
        NoticeRead.objects.create(notice=notice, user=staff_user)
    queries()  # publishing moved the cached notices on: the first request fills them again
    assert queries() == few


@pytest.mark.req("SNOT-2")
def test_detail_query_count_does_not_grow_with_the_audience(client_for, staff_user, community):
    building = BuildingFactory(community=community)
    ResidencyFactory(room=RoomFactory(building=building))
    notice = published(community, staff_user, buildings=[building])
    services.notice_fan_out(notice_id=notice.pk)
    client = client_for(staff_user)
    url = reverse("notices_staff:detail", args=[notice.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # process-wide caches (content types) fill on the first request
    few = queries()
    readers = [ResidencyFactory(room=RoomFactory(building=building)).user for _ in range(30)]
    Notice.objects.filter(pk=notice.pk).update(fanned_out_at=None)
    services.notice_fan_out(notice_id=notice.pk)
    for reader in readers[:10]:
        services.notice_mark_read(notice=notice, user=reader)
    queries()  # the fan-out moved every inbox's unread badge on (kit.cache): counted again once
    assert queries() == few


@pytest.mark.req("SNOT-1")
def test_a_refused_form_asks_for_the_files_again(client_for, staff_user):
    """Browsers cannot keep chosen files on a form that comes back with errors: say so."""
    upload = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    upload.name = "停水.pdf"
    response = client_for(staff_user).post(
        reverse("notices_staff:create"), {**form_data(title=""), "attachments": upload}
    )
    assert response.status_code == 400
    assert "请重新选择附件" in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.req("SNOT-2")
def test_a_scheduled_notice_lists_no_unread_residents_yet(client_for, staff_user, community):
    ResidencyFactory(room=RoomFactory(building=BuildingFactory(community=community)))
    notice = NoticeFactory.build(
        community=community, publish_at=timezone.now() + dt.timedelta(days=1)
    )
    services.notice_save(notice=notice, actor=staff_user, buildings=[], publish="scheduled")
    response = client_for(staff_user).get(reverse("notices_staff:detail", args=[notice.pk]))
    assert response.context["unread"] is None
    assert "公告发布后" in response.content.decode()
    assert response.context["stats"]["audience"] == 1
