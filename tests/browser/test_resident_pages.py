"""The profile, room binding and family pages in headless Chromium at phone size (375×812):
the htmx room picker, the invitation accepted by the invitee, and screenshots of each page in
var/screenshots/profile-*.png for a person to look at."""

import pytest
from django.conf import settings

from accounts.models import FamilyInvitation, Residency
from tests.factories import (
    BuildingFactory,
    FamilyInvitationFactory,
    ResidencyFactory,
    RoomFactory,
    UnitFactory,
    UserFactory,
    photo_upload,
)

from . import support


@pytest.fixture
def phone(open_page, settings, tmp_path):
    """`phone(user)`: a page at 375×812, logged in as that user."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return lambda user: open_page("phone", user)


def shot(page, name):
    support.shot(page, f"profile-{name}")


@pytest.fixture
def estate(transactional_db, room, positions):
    owner = ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001")
    ResidencyFactory(
        room=room,
        relation="family",
        head=owner,
        user__display_name="李娜",
        user__mobile="13900000002",
    )
    FamilyInvitationFactory(head=owner, mobile="13900000066")
    community = room.building.community
    tower = BuildingFactory(community=community, name="5栋")
    for unit_name in ("1单元", "2单元"):
        unit = UnitFactory(building=tower, name=unit_name)
        for floor in (14, 15):
            RoomFactory(building=tower, unit=unit, number=f"{floor}01", floor=floor)
    BuildingFactory(community=community, name="6栋")
    return {"owner": owner, "community": community}


def test_bind_a_room_with_the_htmx_picker(phone, live_server, estate, tmp_path):
    newcomer = UserFactory(display_name="周新", mobile="13900000055")
    page = phone(newcomer)
    page.goto(live_server.url + "/")
    bind_button = page.locator("a.btn-lg[href='/me/rooms/bind/']")
    assert bind_button.is_visible()
    shot(page, "home-empty")

    bind_button.click()
    page.wait_for_url("**/me/rooms/bind/")
    page.select_option("#id_community", label=estate["community"].name)
    page.wait_for_function("document.querySelector('#id_building').options.length > 2")
    page.select_option("#id_building", label="5栋")
    page.wait_for_function("document.querySelector('#id_unit').options.length > 2")
    assert page.locator("#unit-row").is_visible()
    page.select_option("#id_unit", label="2单元")
    page.wait_for_function("document.querySelector('#id_room').options.length > 2")
    page.select_option("#id_room", label="5栋2单元1501")
    page.locator("label[for=id_relation_1]").click()
    proof = tmp_path / "deed.jpg"
    proof.write_bytes(photo_upload().read())
    page.set_input_files("#id_proof", str(proof))
    shot(page, "bind")
    page.click("form[enctype] > button.btn-primary")
    page.wait_for_url("**/me/rooms/")
    residency = Residency.objects.get(user=newcomer)
    assert residency.status == "pending" and residency.relation == "tenant" and residency.proof
    assert page.get_by_text("5栋2单元1501").is_visible()
    shot(page, "rooms")

    # Choosing a building without units hides the unit list again.
    page.goto(live_server.url + "/me/rooms/bind/")
    page.select_option("#id_community", label=estate["community"].name)
    page.wait_for_function("document.querySelector('#id_building').options.length > 2")
    page.select_option("#id_building", label="5栋")
    page.wait_for_function("document.querySelector('#id_unit').options.length > 2")
    page.select_option("#id_building", label="3栋")
    page.wait_for_function("document.querySelector('#unit-row').hidden")
    page.wait_for_function("document.querySelector('#id_room').options.length == 2")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_room", label="3栋1201")
    page.click("form[enctype] > button.btn-primary")
    page.wait_for_url("**/me/rooms/")

    # The same room twice: the form comes back with the message and the choices kept.
    page.goto(live_server.url + "/me/rooms/bind/")
    page.select_option("#id_community", label=estate["community"].name)
    page.wait_for_function("document.querySelector('#id_building').options.length > 2")
    page.select_option("#id_building", label="3栋")
    page.wait_for_function("document.querySelector('#id_room').options.length == 2")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_room", label="3栋1201")
    page.click("form[enctype] > button.btn-primary")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").first.is_visible()
    assert page.input_value("#id_room") == str(
        Residency.objects.get(user=newcomer, room__number="1201").room_id
    )
    shot(page, "bind-error")


def test_invite_accept_and_remove(phone, live_server, estate):
    owner = estate["owner"].user
    page = phone(owner)
    page.goto(live_server.url + "/me/family/")
    page.fill("input[name$=mobile]", "139 0000 0077")
    page.click("form[action$='/invite/'] button")
    page.wait_for_load_state()
    assert FamilyInvitation.objects.filter(mobile="13900000077").exists()
    page.fill("input[name$=mobile]", owner.mobile)
    page.click("form[action$='/invite/'] button")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").is_visible()
    shot(page, "family-head")

    invitee = UserFactory(display_name="张小明", mobile="13900000077")
    guest = phone(invitee)
    guest.goto(live_server.url + "/")
    assert guest.get_by_text("张伟").first.is_visible()
    shot(guest, "home-invitation")
    guest.click("form[action$='/accept/'] button")
    guest.wait_for_url(live_server.url + "/")
    assert guest.get_by_text("李娜").is_visible()
    shot(guest, "home-household")
    guest.goto(live_server.url + "/me/family/")
    shot(guest, "family-member")

    page.goto(live_server.url + "/me/family/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("li", has_text="张小明").locator("form[action$='/remove/'] button").click()
    page.wait_for_load_state()
    assert Residency.objects.get(user=invitee).status == "ended"
    guest.goto(live_server.url + "/")
    assert guest.get_by_text("3栋1201").count() == 0


def test_me_profile_and_security(phone, live_server, estate, tmp_path):
    owner = estate["owner"].user
    Residency.objects.create(
        user=owner,
        room=RoomFactory(building=estate["owner"].room.building, number="1202", floor=12),
        relation="owner",
        status="rejected",
        rejection_reason="房产证姓名与申请人不一致",
    )
    page = phone(owner)
    page.goto(live_server.url + "/me/")
    shot(page, "me")
    page.click(".list-group a[href='/me/profile/']")
    page.wait_for_url("**/me/profile/")
    photo = tmp_path / "me.jpg"
    photo.write_bytes(photo_upload(size=(900, 1200)).read())
    page.set_input_files("#id_avatar", str(photo))
    page.fill("#id_backup_phone", "0571-8800 1234")
    page.click("form > button.btn-primary")
    page.wait_for_url("**/me/")
    assert page.locator("img.avatar").is_visible()
    page.goto(live_server.url + "/me/profile/")
    shot(page, "edit")
    page.goto(live_server.url + "/me/security/")
    shot(page, "security")
    page.goto(live_server.url + "/me/rooms/")
    assert page.get_by_text("房产证姓名与申请人不一致").is_visible()
    shot(page, "rooms-rejected")
    assert settings.MEDIA_URL not in page.content()
