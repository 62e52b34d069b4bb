"""我的房屋 and 绑定房屋: the request, its proof photo, its status, and who may see the proof."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import selectors
from accounts.models import Residency
from kit import images
from kit.models import AuditEntry

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    UnitFactory,
    UserFactory,
    photo_upload,
)

BIND = reverse("accounts:room_bind")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def newcomer(db):
    return UserFactory(display_name="周新", mobile="13900000055")


@pytest.fixture
def tower(community):
    """A building with units, next to the unit-less 3栋 of the `room` fixture."""
    building = BuildingFactory(community=community, name="5栋")
    unit = UnitFactory(building=building, name="2单元")
    return {
        "building": building,
        "unit": unit,
        "room": RoomFactory(building=building, unit=unit, number="1501", floor=15),
    }


def choice(chosen, relation="owner", **extra):
    data = {
        "community": chosen.building.community_id,
        "building": chosen.building_id,
        "unit": chosen.unit_id or "",
        "room": chosen.pk,
        "relation": relation,
        "real_name": "周新",
    }
    data.update(extra)
    return data


@pytest.mark.req("ACC-4")
def test_bind_a_room_without_proof(client_for, newcomer, tower):
    client = client_for(newcomer)
    assert client.get(BIND).status_code == 200
    response = client.post(BIND, choice(tower["room"], relation="tenant"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:rooms")
    residency = Residency.objects.get(user=newcomer)
    assert (residency.room, residency.relation, residency.status) == (
        tower["room"],
        Residency.Relation.TENANT,
        Residency.Status.PENDING,
    )
    assert not residency.proof
    assert AuditEntry.objects.filter(action="residency.requested", actor=newcomer).exists()
    body = client.get(reverse("accounts:rooms")).content.decode()
    assert "5栋2单元1501" in body and "待审核" in body
    assert reverse("accounts:residency_withdraw", args=[residency.pk]) in body


@pytest.mark.req("ACC-4")
def test_bind_a_room_with_proof_stores_a_clean_reencoded_photo(client_for, newcomer, room, media):
    upload = photo_upload("deed.png", size=(3000, 1500), image_format="PNG")
    response = client_for(newcomer).post(BIND, {**choice(room), "proof": upload})
    assert response.status_code == 302
    residency = Residency.objects.get(user=newcomer)
    assert residency.proof.name.startswith("residency-proofs/")
    assert "deed" not in residency.proof.name
    with residency.proof.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert image.format == "JPEG"
    assert max(image.size) == images.PROOF_MAX_SIDE
    assert not image.getexif()


@pytest.mark.req("ACC-4")
def test_room_picker_without_javascript_fills_the_lists_from_the_choices(
    client_for, newcomer, room, tower
):
    client = client_for(newcomer)
    community = room.building.community
    body = client.get(BIND, {"community": community.pk}).content.decode()
    assert "3栋" in body and "5栋" in body
    body = client.get(
        BIND, {"community": community.pk, "building": tower["building"].pk}
    ).content.decode()
    assert "2单元" in body and 'id="unit-row" hidden' not in body
    body = client.get(
        BIND,
        {"community": community.pk, "building": tower["building"].pk, "unit": tower["unit"].pk},
    ).content.decode()
    assert "5栋2单元1501" in body
    body = client.get(BIND, {"community": community.pk, "building": room.building.pk}).content
    assert 'id="unit-row" hidden' in body.decode() and "3栋1201" in body.decode()


@pytest.mark.req("ACC-4")
def test_htmx_option_endpoints_list_only_the_children_of_the_choice(
    client_for, newcomer, room, tower, outsider_room
):
    client = client_for(newcomer)
    community = room.building.community
    url = reverse("accounts:bind_options", args=["building"])
    body = client.get(url, {"community": community.pk}).content.decode()
    assert body.count("<option") == 3 and "3栋" in body and "5栋" in body
    assert outsider_room.building.name not in body.replace("3栋", "").replace("5栋", "")
    body = client.get(
        reverse("accounts:bind_options", args=["unit"]),
        {"community": community.pk, "building": tower["building"].pk},
    ).content.decode()
    assert "2单元" in body and body.count("<option") == 2
    body = client.get(
        reverse("accounts:bind_options", args=["room"]),
        {"community": community.pk, "building": tower["building"].pk, "unit": tower["unit"].pk},
    ).content.decode()
    assert "1501" in body and "1201" not in body
    # A building of another community under this community's id gives no rooms.
    body = client.get(
        reverse("accounts:bind_options", args=["room"]),
        {"community": community.pk, "building": outsider_room.building_id},
    ).content.decode()
    assert body.count("<option") == 1
    assert client.get(reverse("accounts:bind_options", args=["community"])).status_code == 404
    page = client.get(BIND).content.decode()
    assert 'hx-get="' + reverse("accounts:bind_options", args=["building"]) in page


@pytest.mark.req("ACC-4")
def test_building_of_another_community_is_refused_and_the_input_kept(
    client_for, newcomer, room, outsider_room
):
    data = choice(room, building=outsider_room.building_id, room=outsider_room.pk)
    response = client_for(newcomer).post(BIND, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "building" in form.errors
    assert form["community"].value() == str(room.building.community_id)
    assert f'value="{room.building.community_id}" selected' in response.content.decode()
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_room_of_another_community_with_this_communitys_building_is_refused(
    client_for, newcomer, room, outsider_room
):
    response = client_for(newcomer).post(BIND, choice(room, room=outsider_room.pk))
    assert response.status_code == 200
    assert "room" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_community_that_does_not_exist_is_refused(client_for, newcomer, room):
    response = client_for(newcomer).post(BIND, choice(room, community=987654))
    assert "community" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_a_building_with_units_needs_the_unit(client_for, newcomer, tower):
    response = client_for(newcomer).post(BIND, choice(tower["room"], unit=""))
    assert "unit" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_the_same_room_twice_is_refused(client_for, resident, room):
    response = client_for(resident).post(BIND, choice(room, relation="tenant"))
    assert response.status_code == 200
    assert "room" in response.context["form"].errors
    assert Residency.objects.filter(user=resident, room=room).count() == 1


@pytest.mark.req("ACC-4")
def test_family_is_not_a_relation_one_can_request(client_for, newcomer, room):
    response = client_for(newcomer).post(BIND, choice(room, relation="family"))
    assert "relation" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_a_proof_that_is_not_an_image_is_refused(client_for, newcomer, room):
    fake = SimpleUploadedFile("deed.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client_for(newcomer).post(BIND, {**choice(room), "proof": fake})
    assert response.status_code == 200
    assert "proof" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_a_proof_with_too_many_pixels_is_refused(client_for, newcomer, room):
    bomb = photo_upload("big.png", size=(9000, 9000), image_format="PNG", mode="1")
    response = client_for(newcomer).post(BIND, {**choice(room), "proof": bomb})
    assert "proof" in response.context["form"].errors
    assert not Residency.objects.filter(user=newcomer).exists()


@pytest.mark.req("ACC-4")
def test_rejection_reason_is_shown_to_the_resident(client_for, newcomer, room):
    ResidencyFactory(
        user=newcomer,
        room=room,
        status=Residency.Status.REJECTED,
        rejection_reason="房产证姓名与申请人不一致",
    )
    client = client_for(newcomer)
    for url in (reverse("accounts:rooms"), reverse("accounts:home")):
        body = client.get(url).content.decode()
        assert "房产证姓名与申请人不一致" in body and "已驳回" in body


@pytest.mark.req("ACC-4")
def test_a_new_request_replaces_the_rejection_on_the_page(client_for, newcomer, room):
    ResidencyFactory(
        user=newcomer, room=room, status=Residency.Status.REJECTED, rejection_reason="照片模糊"
    )
    client = client_for(newcomer)
    assert client.post(BIND, choice(room)).status_code == 302
    body = client.get(reverse("accounts:rooms")).content.decode()
    assert "照片模糊" not in body and "待审核" in body


@pytest.mark.req("ACC-4")
def test_withdraw_a_pending_request(client_for, newcomer, room):
    pending = ResidencyFactory(
        user=newcomer, room=room, status=Residency.Status.PENDING, verified_at=None
    )
    client = client_for(newcomer)
    url = reverse("accounts:residency_withdraw", args=[pending.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Residency.Status.ENDED and pending.ended_at is not None
    assert AuditEntry.objects.filter(action="residency.withdrawn").exists()


@pytest.mark.req("ACC-4")
def test_withdraw_is_only_for_ones_own_pending_request(client_for, resident, newcomer, room):
    verified = Residency.objects.get(user=resident)
    client = client_for(newcomer)
    url = reverse("accounts:residency_withdraw", args=[verified.pk])
    assert client.post(url).status_code == 404
    client = client_for(resident)
    client.post(url)
    verified.refresh_from_db()
    assert verified.status == Residency.Status.VERIFIED


@pytest.fixture
def proven(room, newcomer):
    residency = ResidencyFactory(
        user=newcomer, room=room, status=Residency.Status.PENDING, verified_at=None
    )
    residency.proof.save("x.jpg", images.proof_from_upload(photo_upload()), save=True)
    return residency


@pytest.mark.req("ACC-4")
@pytest.mark.parametrize("who", ["newcomer", "staff_user", "manager", "operator"])
def test_proof_is_shown_to_the_resident_and_to_staff_of_the_community(
    request, client_for, proven, who
):
    response = client_for(request.getfixturevalue(who)).get(
        reverse("accounts:residency_proof", args=[proven.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


@pytest.mark.req("ACC-4", "X-1")
@pytest.mark.parametrize("who", ["outsider_staff", "outsider", "resident", "technician"])
def test_proof_is_a_404_for_everyone_else(request, client_for, proven, who):
    response = client_for(request.getfixturevalue(who)).get(
        reverse("accounts:residency_proof", args=[proven.pk])
    )
    assert response.status_code == 404


@pytest.mark.req("ACC-4")
def test_proof_needs_a_login_and_is_never_a_media_link(client, client_for, proven, newcomer):
    url = reverse("accounts:residency_proof", args=[proven.pk])
    assert client.get(url).status_code == 302
    body = client_for(newcomer).get(reverse("accounts:rooms")).content.decode()
    assert url in body
    assert "/media/" not in body and proven.proof.name not in body


@pytest.mark.req("ACC-4")
def test_a_staff_member_serving_two_communities_sees_proofs_of_both(
    client_for, proven, community, positions
):
    sister = CommunityFactory(company=community.company, name="桂花苑")
    regional = StaffMemberFactory(communities=[sister, community], position_name="经理").user
    url = reverse("accounts:residency_proof", args=[proven.pk])
    assert client_for(regional).get(url).status_code == 200


@pytest.mark.req("ACC-4")
def test_only_verified_residencies_open_a_room(room, newcomer, tower):
    other_room = RoomFactory(building=room.building, number="1202", floor=12)
    ResidencyFactory(user=newcomer, room=room, status=Residency.Status.PENDING, verified_at=None)
    ResidencyFactory(user=newcomer, room=tower["room"], status=Residency.Status.REJECTED)
    ResidencyFactory(user=newcomer, room=other_room, status=Residency.Status.ENDED)
    assert not selectors.verified_rooms_of_user(newcomer).exists()
    assert not selectors.household_member_residencies(newcomer).exists()
    verified = ResidencyFactory(user=newcomer, room=other_room, relation="tenant")
    assert list(selectors.verified_rooms_of_user(newcomer)) == [other_room]
    assert list(selectors.household_member_residencies(newcomer)) == [verified]


@pytest.mark.req("ACC-4")
def test_my_rooms_page_has_a_bounded_number_of_queries(
    client_for, newcomer, community, django_assert_max_num_queries
):
    building = BuildingFactory(community=community)
    for index in range(30):
        ResidencyFactory(
            user=newcomer,
            room=RoomFactory(building=building),
            status=["verified", "pending", "rejected"][index % 3],
            rejection_reason="资料不全",
        )
    client = client_for(newcomer)
    # The tab bar's badges, the entry grid's and the home page's notices are cached (kit.cache)
    # from the first page on.
    client.get(reverse("accounts:home"))
    with django_assert_max_num_queries(3):
        response = client.get(reverse("accounts:rooms"))
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("accounts:home")).status_code == 200


@pytest.mark.req("ACC-4")
def test_the_admin_links_the_proof_through_the_guarded_view(client_for, operator, proven):
    url = reverse("admin:accounts_residency_change", args=[proven.pk])
    body = client_for(operator).get(url).content.decode()
    assert reverse("accounts:residency_proof", args=[proven.pk]) in body
    assert proven.proof.name not in body


@pytest.mark.req("ACC-4")
def test_binding_asks_for_the_real_name_staff_will_check(client_for, room):
    nameless = UserFactory(display_name="", mobile="13900000077")
    client = client_for(nameless)

    response = client.post(BIND, choice(room, real_name="  "))
    assert response.status_code == 200
    assert "请填写真实姓名" in response.content.decode()
    assert not Residency.objects.filter(user=nameless).exists()

    client.post(BIND, choice(room, real_name=" 孙晓梅 "))
    nameless.refresh_from_db()
    assert nameless.display_name == "孙晓梅"
    assert Residency.objects.get(user=nameless).status == Residency.Status.PENDING
