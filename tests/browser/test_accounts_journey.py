"""The whole accounts journey as people live it, in headless Chromium: a newcomer signs up on
a phone with the texted code, binds a room, the front desk verifies it on a desktop, the new
owner invites a family member, who signs up with the invited number, accepts and sees the
household. Screenshots: var/screenshots/journey-*.png."""

import pytest
from playwright.sync_api import expect

from accounts.models import FamilyInvitation, Residency
from accounts.sms import outbox
from tests.factories import RoomFactory

from . import support
from .support import submit

OWNER_MOBILE = "13812345678"
FAMILY_MOBILE = "13787654321"


def shot(page, name):
    support.shot(page, f"journey-{name}")


def texted_code(phone):
    return [m for m in outbox if m.phone == phone and m.template == "verification_code"][-1].params[
        "code"
    ]


def sign_up(page, base, mobile, name):
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=phone]", mobile)
    submit(page, "button[value=send_code]")
    page.fill("input[name=code]", texted_code(mobile))
    submit(page, "form button.btn-primary")
    expect(page.locator(".tab-bar")).to_be_visible()
    shot(page, f"{name}-signed-up")


@pytest.mark.req("ACC-1", "ACC-4", "ACC-5", "SUSR-1")
def test_sign_up_bind_verify_invite_and_share_the_household(
    open_page, live_server, transactional_db, community, staff_user
):
    base = live_server.url
    room = RoomFactory(building__community=community, building__name="7栋", number="0802", floor=8)

    # A newcomer signs up with the code texted to them and asks to bind their flat.
    owner_page = open_page("phone")
    sign_up(owner_page, base, OWNER_MOBILE, "owner")
    owner_page.goto(f"{base}/me/rooms/bind/")
    owner_page.select_option("#id_community", label=community.name)
    owner_page.wait_for_function("document.querySelector('#id_building').options.length > 1")
    owner_page.select_option("#id_building", label="7栋")
    owner_page.wait_for_function("document.querySelector('#id_room').options.length > 1")
    owner_page.select_option("#id_room", label=room.label)
    owner_page.locator("label[for=id_relation_0]").click()
    owner_page.fill("#id_real_name", "孙晓梅")
    shot(owner_page, "owner-bind")
    submit(owner_page, "form[enctype] > button.btn-primary")
    residency = Residency.objects.get(user__mobile=OWNER_MOBILE, room=room)
    assert residency.status == Residency.Status.PENDING
    shot(owner_page, "owner-waiting")

    # The front desk sees the request first in the queue and verifies it.
    desk = open_page("desk", staff_user)
    desk.goto(f"{base}/staff/residents/?status=pending")
    row = desk.locator("tr", has_text=room.label)
    expect(row).to_be_visible()
    shot(desk, "staff-queue")
    with desk.expect_navigation():
        row.get_by_role("button", name="通过").click()
    residency.refresh_from_db()
    assert residency.status == Residency.Status.VERIFIED
    shot(desk, "staff-verified")

    # The owner, now verified, invites a family member by mobile number.
    owner_page.goto(f"{base}/me/family/")
    owner_page.fill("input[type=tel]", FAMILY_MOBILE)
    submit(owner_page, "form[action$='/invite/'] button")
    invitation = FamilyInvitation.objects.get(mobile=FAMILY_MOBILE)
    assert [m.template for m in outbox if m.phone == FAMILY_MOBILE] == ["family_invitation"]
    shot(owner_page, "owner-invited")

    # The invitee signs up with the invited number, accepts, and sees the household.
    family_page = open_page("phone")
    sign_up(family_page, base, FAMILY_MOBILE, "family")
    expect(family_page.get_by_role("button", name="接受并加入")).to_be_visible()
    submit(family_page, f"form[action$='/invitations/{invitation.pk}/accept/'] button")
    card = family_page.locator(".card", has_text=room.label)
    expect(card).to_be_visible()
    expect(card).to_contain_text("业主")
    shot(family_page, "family-household")
    member = Residency.objects.get(user__mobile=FAMILY_MOBILE, room=room)
    assert (member.status, member.relation, member.head) == (
        Residency.Status.VERIFIED,
        Residency.Relation.FAMILY,
        residency,
    )
