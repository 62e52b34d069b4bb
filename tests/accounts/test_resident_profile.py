"""我的 (ACC-4): the person, their profile (name, avatar, backup phone) and 账号与安全."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kit import images
from kit.models import AuditEntry

from ..factories import photo_upload

PROFILE = reverse("accounts:profile_edit")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def profile_data(**extra):
    return {"display_name": "张伟", "backup_phone": "", **extra}


@pytest.mark.req("ACC-4")
def test_me_links_to_profile_rooms_family_and_security(client_for, resident):
    body = client_for(resident).get(reverse("accounts:me")).content.decode()
    for name in ("profile_edit", "rooms", "family", "security"):
        assert f'href="{reverse("accounts:" + name)}"' in body
    assert 'name="language"' in body


@pytest.mark.req("ACC-4")
def test_security_page_links_what_exists(client_for, resident):
    response = client_for(resident).get(reverse("accounts:security"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("account_change_password") in body
    assert "139****0001" in body


@pytest.mark.req("ACC-4")
def test_edit_name_and_backup_phone(client_for, resident):
    client = client_for(resident)
    assert client.get(PROFILE).status_code == 200
    response = client.post(
        PROFILE, profile_data(display_name="  张 伟  ", backup_phone="0571-8800 1234")
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.display_name, resident.backup_phone) == ("张 伟", "0571-8800 1234")
    entry = AuditEntry.objects.get(action="profile.updated")
    assert entry.actor == resident and set(entry.data["fields"]) == {
        "display_name",
        "backup_phone",
    }


@pytest.mark.req("ACC-4")
@pytest.mark.parametrize("data", [{"display_name": ""}, {"backup_phone": "call me maybe"}])
def test_bad_profile_input_is_refused_and_kept(client_for, resident, data):
    response = client_for(resident).post(PROFILE, profile_data(**data))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(data)
    if data.get("backup_phone"):
        assert 'value="call me maybe"' in response.content.decode()
    resident.refresh_from_db()
    assert resident.display_name == "张伟" and resident.backup_phone == ""


@pytest.mark.req("ACC-4")
def test_avatar_is_square_small_and_without_metadata(client_for, resident):
    upload = photo_upload("我的照片.jpg", size=(1200, 800))
    assert Image.open(upload).getexif()
    upload.seek(0)
    assert client_for(resident).post(PROFILE, profile_data(avatar=upload)).status_code == 302
    resident.refresh_from_db()
    assert resident.avatar.name.startswith("avatars/") and resident.avatar.name.endswith(".jpg")
    with resident.avatar.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert image.format == "JPEG"
    assert image.size == (images.AVATAR_SIDE, images.AVATAR_SIDE)
    assert not image.getexif()


@pytest.mark.req("ACC-4")
def test_transparent_png_avatar_is_flattened(client_for, resident):
    upload = photo_upload("logo.png", size=(300, 300), image_format="PNG", mode="RGBA")
    assert client_for(resident).post(PROFILE, profile_data(avatar=upload)).status_code == 302
    resident.refresh_from_db()
    with resident.avatar.open("rb") as stored:
        assert Image.open(io.BytesIO(stored.read())).mode == "RGB"


@pytest.mark.req("ACC-4")
def test_a_new_avatar_replaces_the_old_file_and_can_be_removed(
    client_for, resident, media, django_capture_on_commit_callbacks
):
    client = client_for(resident)
    client.post(PROFILE, profile_data(avatar=photo_upload()))
    resident.refresh_from_db()
    first = resident.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE, profile_data(avatar=photo_upload()))
    resident.refresh_from_db()
    assert resident.avatar.name != first
    assert not (media / first).exists()
    second = resident.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE, profile_data(remove_avatar="on"))
    resident.refresh_from_db()
    assert not resident.avatar and not (media / second).exists()


@pytest.mark.req("ACC-4")
def test_a_file_that_is_not_an_image_is_refused(client_for, resident):
    script = SimpleUploadedFile("avatar.png", b"<script>alert(1)</script>", "image/png")
    response = client_for(resident).post(
        PROFILE, profile_data(display_name="新名字", avatar=script)
    )
    assert response.status_code == 200
    assert "avatar" in response.context["form"].errors
    assert 'value="新名字"' in response.content.decode()
    resident.refresh_from_db()
    assert not resident.avatar and resident.display_name == "张伟"


@pytest.mark.req("ACC-4")
def test_a_huge_avatar_is_refused(client_for, resident):
    huge = SimpleUploadedFile(
        "huge.jpg", b"\xff\xd8\xff" + b"0" * images.MAX_UPLOAD_BYTES, "image/jpeg"
    )
    response = client_for(resident).post(PROFILE, profile_data(avatar=huge))
    assert response.status_code == 200
    assert response.context["form"].errors["avatar"]
    resident.refresh_from_db()
    assert not resident.avatar


@pytest.mark.req("ACC-4")
def test_an_avatar_with_too_many_pixels_is_refused(client_for, resident):
    bomb = photo_upload("bomb.png", size=(9000, 9000), image_format="PNG", mode="1")
    assert bomb.size < 200_000  # small on disk, huge in memory
    response = client_for(resident).post(PROFILE, profile_data(avatar=bomb))
    assert response.context["form"].errors["avatar"]


@pytest.mark.req("ACC-4", "X-1")
def test_avatar_is_served_to_the_household_only(
    client, client_for, resident, family_member, outsider
):
    client_for(resident).post(PROFILE, profile_data(avatar=photo_upload()))
    url = reverse("accounts:avatar", args=[resident.pk])
    for viewer, status in ((resident, 200), (family_member, 200), (outsider, 404)):
        response = client_for(viewer).get(url)
        assert response.status_code == status, viewer
    client.logout()
    assert client.get(url).status_code == 302
    body = client_for(resident).get(reverse("accounts:me")).content.decode()
    assert url in body and "/media/" not in body
    assert (
        client_for(outsider).get(reverse("accounts:avatar", args=[outsider.pk])).status_code == 404
    )


@pytest.mark.req("ACC-4")
def test_security_page_leaves_out_a_link_whose_app_is_not_installed(
    client_for, resident, monkeypatch
):
    from accounts.views import resident as views

    monkeypatch.setattr(
        views, "SECURITY_LINKS", [*views.SECURITY_LINKS, ("no_such_url", "Nowhere", "x")]
    )
    response = client_for(resident).get(reverse("accounts:security"))
    assert response.status_code == 200
    assert "Nowhere" not in response.content.decode()
    assert len(response.context["links"]) == len(views.SECURITY_LINKS) - 1
