"""Every named URL × every role: what each one gets, decided in one table.

The URL conf is walked (as in tests/test_tenancy_sweep.py); each URL is requested as each role
with the objects of the owner's household and community filled in (the world of
`build_community_world`), GET first and, where GET answers 405 (a state-changing view), an
empty POST. Every request runs in a transaction that is rolled back, so a POST changes nothing
for the next one. "Another company's manager" gets the same objects: 404 (or 403) is the only
right answer for them.

Outcomes: "changed" (a POST that did what it is for: it wrote an audit entry), "ok" (the view
ran and changed nothing: a page, a file, a redirect of its own, a form error, a refusal shown
as a message), "login" (sent to the login page, the resident's or the admin's), "401" (a JSON
endpoint's "please sign in"), "403", "404". An entry may allow two: "ok|changed".

Roles: anonymous; owner (head of the household); family (a member of that household); tenant
(a household of its own in the same room); the staff positions 经理 manager, 客服 front_desk,
收费员 cashier, 维修工 technician of the community; other_manager (经理 of another company's
community); operator (a platform superuser, is_staff, no staff membership).

Staff URLs: their per-position decision lives in tests/staff/permission_matrix.yaml, which
tests/staff/test_permission_matrix.py measures for the four positions, a deactivated member, a
resident and an anonymous visitor; this table reuses that decision and requests staff URLs as
the roles that file does not measure (owner, family, tenant, another company's manager, the
operator). Every other URL has an entry in RULES and is requested as every role.
A URL without an entry fails `test_every_url_has_an_entry` with what to add.

Runtime: one world, built once, and one test that walks every URL (about 3,000 requests, each
in a rolled-back transaction); it prints how long it took. Run it alone with
`pytest -p no:xdist tests/test_access_matrix.py -s`.
"""

import fnmatch
import logging
import re
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Residency
from kit.images import avatar_from_upload
from kit.models import AuditEntry
from staff import scoping
from staff.positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN

from .factories import (
    CommunityFactory,
    FamilyInvitationFactory,
    MessageFactory,
    RepairOrderFactory,
    ResidencyFactory,
    StaffMemberFactory,
    UserFactory,
    build_community_world,
    photo_upload,
)
from .staff import permission_matrix

ROLES = [
    "anonymous",
    "owner",
    "family",
    "tenant",
    "manager",
    "front_desk",
    "cashier",
    "technician",
    "other_manager",
    "operator",
]
HOUSEHOLD = ("owner", "family")
RESIDENTS = ("owner", "family", "tenant")
STAFF = ("manager", "front_desk", "cashier", "technician")
SIGNED_IN = tuple(role for role in ROLES if role != "anonymous")
KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def rule(default: str, **outcomes: str) -> dict[str, str]:
    """One outcome per role: `default`, except for the roles (or groups: household=,
    residents=, staff=, signed_in=) named."""
    groups = {
        "household": HOUSEHOLD,
        "residents": RESIDENTS,
        "staff": STAFF,
        "signed_in": SIGNED_IN,
    }
    row = dict.fromkeys(ROLES, default)
    for key in ("signed_in", "residents", "household", "staff"):  # wide first, narrow last
        if key in outcomes:
            row.update(dict.fromkeys(groups[key], outcomes.pop(key)))
    unknown = set(outcomes) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    row.update(outcomes)
    return row


OPEN = rule("ok")
SIGNED_IN_ONLY = rule("ok", anonymous="login")
HOUSEHOLDS_OWN = rule("404", anonymous="login", household="ok")
OWNER_ONLY = rule("404", anonymous="login", owner="ok")
# A household action POSTed by someone of the room who may not do it: refused with a message.
HEAD_ACTS = rule("404", anonymous="login", owner="changed", family="ok", tenant="ok")
# Records the platform writes itself: the admin may not add them, nor delete some of them.
NO_ADDING_IN_ADMIN = (
    "accounts_familyinvitation",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
    "billing_bill",
    "billing_billingsettings",
    "billing_billrun",
    "billing_feerule",
    "billing_meterreading",
    "billing_payment",
    "billing_paymentnotification",
    "billing_paymentrefund",
    "billing_receipt",
    "kit_auditentry",
    "kit_pendinginvalidation",
    "kit_workerheartbeat",
    "notices_delivery",
    "notices_fanout",
    "notices_message",
    "notices_notice",
    "notices_pushsettings",
    "platform_admin_usageday",
    "platform_admin_usagesummary",
    "platform_admin_backuprun",
    "platform_admin_communityexport",
    "platform_admin_analysisreport",
    "platform_admin_businessrollup",
    "platform_admin_monthlybills",
    "platform_admin_dailypayments",
    "platform_admin_monthlyrepairs",
    "repairs_repairorder",
    "repairs_repairrating",
    "services_booking",
    "services_bookingslot",
    "services_activity",
    "services_activitysignup",
    "services_parcel",
    "services_servicereview",
    "services_provider",
    "staff_staffinvitation",
)
NO_DELETING_IN_ADMIN = (
    "billing_bill", "billing_billrun", "billing_feerule", "billing_payment", "billing_receipt",
    "kit_auditentry",
    "notices_fanout", "notices_message", "notices_notice", "notices_pushsettings",
    "platform_admin_usageday", "platform_admin_usagesummary",
    "platform_admin_backuprun", "platform_admin_communityexport",
    "platform_admin_analysisreport",
    "platform_admin_businessrollup", "platform_admin_monthlybills", "platform_admin_dailypayments",
    "platform_admin_monthlyrepairs",
    "repairs_repairorder",
    "services_booking", "services_bookingslot",
    "services_activity", "services_activitysignup", "services_parcel",
    "services_servicereview",
    "services_provider",
    "platform_admin_partner",
)  # fmt: skip

# (why, URL name patterns, outcome per role). The first entry whose pattern matches decides.
RULES: list[tuple[str, tuple[str, ...], dict[str, str]]] = [
    # --- Public: health, language, the PWA files, payment callbacks, receipt verification.
    ("public pages and machine endpoints",
     ("healthz", "set_language", "notices:service_worker", "notices:manifest",
      "billing:payment_notify", "billing:verify", "robots_txt", "favicon"), OPEN),
    # --- Sign-in, sign-up and account pages of allauth and of accounts.
    ("signing in, signing up, password reset: open to all (a signed-in person is sent on)",
     ("account_login", "account_signup", "accounts_auth:signup", "account_reset_password*",
      "accounts_auth:password_reset_by_sms", "account_request_login_code",
      "account_confirm_email", "account_email_verification_sent", "account_inactive",
      "socialaccount_login_cancelled", "weixin_login", "weixin_mp_login", "qq_login"), OPEN),
    ("WeChat/QQ sign-in errors and callbacks without a sign-in under way: allauth's 401 page",
     ("socialaccount_login_error", "weixin_callback", "weixin_mp_callback", "qq_callback"),
     rule("401")),
    ("entering a login code: only after asking for one",
     ("account_confirm_login_code", "accounts_auth:confirm_login_code"),
     rule("ok", anonymous="login")),
    ("finishing a WeChat/QQ sign-up: only with a pending social login (else: to the login)",
     ("socialaccount_signup", "social_login:signup"), rule("login")),
    ("account settings of the signed-in person",
     ("account_logout", "account_email", "accounts_auth:email", "account_change_password",
      "account_set_password", "accounts_auth:password_set", "account_change_phone",
      "accounts_auth:change_phone", "account_verify_phone", "accounts_auth:verify_phone",
      "account_reauthenticate",
      "account_request_reauthentication_code", "account_confirm_reauthentication_code",
      "accounts_auth:reauthenticate_by_code", "socialaccount_connections"), SIGNED_IN_ONLY),
    ("two-step verification (allauth.mfa) of the signed-in person",
     ("mfa_index", "mfa_activate_totp", "accounts_auth:activate_totp", "mfa_reauthenticate",
      "mfa_generate_recovery_codes", "mfa_authenticate"), SIGNED_IN_ONLY),
    ("turning off an authenticator app, reading recovery codes: only once one is set up",
     ("mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_download_recovery_codes"),
     rule("404", anonymous="login")),
    # --- The resident portal: pages about the person, empty for those with no home here.
    ("resident pages about the signed-in person (empty for staff and operators)",
     ("accounts:home", "accounts:me", "accounts:profile_edit", "accounts:security",
      "accounts:rooms", "accounts:room_bind", "accounts:bind_options", "accounts:family",
      "notices:board", "notices:inbox", "notices:messages_read_all", "notices:settings",
      "repairs:list", "repairs:create", "services:parcel_list",
      "billing:bills", "billing:trend", "billing:trend_chart", "billing:history",
      "billing:pay", "services:activity_list", "complaints:home", "accounts:large_text"),
     SIGNED_IN_ONLY),
    ("我的预约: the bookings of the signed-in person's households",
     ("services:booking_list",), SIGNED_IN_ONLY),
    ("booking a provider's item: residents of a community where the provider is approved",
     ("services:booking_create",), rule("404", anonymous="login", residents="ok")),
    ("a service booking: the household only (cancelling it: the household, within the cutoff)",
     ("services:booking_detail",), HOUSEHOLDS_OWN),
    ("cancelling a service booking: the household (the world's booking is days ahead)",
     ("services:booking_cancel",), rule("404", anonymous="login", household="changed")),
    ("the provider pages of bookings: a provider's own people only (none in this cast)",
     ("services_provider:booking_*",), rule("403", anonymous="login")),
    ("web push (un)subscription, for fetch(): 401 rather than a redirect",
     ("notices:push_subscribe", "notices:push_unsubscribe"), rule("ok", anonymous="401")),
    # --- The household's own objects: its repair orders, its bills, receipts and payments.
    ("the provider list of the resident's communities (empty for those with no home here)",
     ("services:provider_list",), SIGNED_IN_ONLY),
    ("a provider's page: residents of a community where it is approved",
     ("services:provider_detail",), rule("404", anonymous="login", residents="ok")),
    ("a review photo: residents of a community where the provider is approved",
     ("services:review_photo",), rule("404", anonymous="login", residents="ok")),
    ("reviewing a finished booking (already reviewed in the world: refused on the form)",
     ("services:review_create",), HOUSEHOLDS_OWN),
    ("a complaint and its files: the household that filed it only (never a household it was "
     "merged with)",
     ("complaints:detail", "complaints:file"), HOUSEHOLDS_OWN),
    ("writing in a complaint's conversation: the household that filed it only (an empty post "
     "is refused with a message)",
     ("complaints:message_send",), HOUSEHOLDS_OWN),
    ("filing a complaint: the signed-in person (no verified room: sent back to the hub)",
     ("complaints:create",), SIGNED_IN_ONLY),
    ("a household's answers to its complaint (accept, return, withdraw, rate): the household "
     "only; the world's complaint is just filed, so an empty POST is refused on the page",
     ("complaints:close", "complaints:return", "complaints:withdraw", "complaints:rate"),
     HOUSEHOLDS_OWN),
    ("the community's suggestion board, sending a suggestion (empty, or sent back to the hub, "
     "for those with no home here)",
     ("complaints:suggestion_board", "complaints:suggestion_create"), SIGNED_IN_ONLY),
    ("a suggestion: its household, and (a public one) the residents of its community, never "
     "told who proposed it",
     ("complaints:suggestion_detail",), rule("404", anonymous="login", residents="ok")),
    ("supporting a public suggestion: a neighbour's household (its own: refused with a message)",
     ("complaints:suggestion_support",),
     rule("404", anonymous="login", residents="ok", tenant="changed")),
    ("withdrawing support: refused with a message where there is none",
     ("complaints:suggestion_unsupport",), rule("404", anonymous="login", residents="ok")),
    ("a repair order and its files: the household only",
     ("repairs:detail", "repairs:live", "repairs:cancel", "repairs:rate", "repairs:file",
      "repairs:technician_photo", "repairs:charge_agree"), HOUSEHOLDS_OWN),
    ("an activity and its poster, signing up: the residents of its audience (staff, other "
     "communities: 404)",
     ("services:activity_detail", "services:activity_poster", "services:activity_signup"),
     rule("404", anonymous="login", residents="ok")),
    ("cancelling an activity sign-up: its household (the tenant is a household of its own)",
     ("services:activity_signup_cancel",), rule("404", anonymous="login", household="changed")),
    ("claiming or declining an offered place: its household (refused here: nothing offered)",
     ("services:activity_offer_claim", "services:activity_offer_decline"),
     rule("404", anonymous="login", household="ok")),
    ("an activity sign-up's pass (QR code) and self check-in: the household only (self "
     "check-in outside its hour is refused with a message)",
     ("services:checkin_pass", "services:checkin_self"), HOUSEHOLDS_OWN),
    ("a bill, a receipt: everyone living in the room (the tenant too)",
     ("billing:bill", "billing:receipt", "billing:receipt_pdf", "billing:receipt_png"),
     rule("404", anonymous="login", residents="ok")),
    ("an online payment: the payer's household (the owner's here; a tenant living in the room "
     "is a household of its own)",
     ("billing:payment", "billing:payment_continue", "billing:sandbox_pay"),
     rule("404", anonymous="login", owner="ok", family="ok")),
    ("cancelling an online payment: the payer's household",
     ("billing:payment_cancel",), rule("404", anonymous="login", owner="changed",
                                       family="changed")),
    ("the owner's avatar: the person and those who live in the same room",
     ("accounts:avatar",), rule("404", anonymous="login", residents="ok")),
    ("withdrawing one's own residency",
     ("accounts:residency_withdraw",), rule("404", anonymous="login", owner="ok|changed")),
    ("a residency's proof photo: its sender, staff who may see residents, the operator",
     ("accounts:residency_proof",),
     rule("404", anonymous="login", owner="ok", manager="ok", front_desk="ok", cashier="ok",
          operator="ok")),
    ("inviting family: the head of the household only",
     ("accounts:family_invite",), OWNER_ONLY),
    ("removing a member, withdrawing an invitation: the head of the household only",
     ("accounts:family_member_remove", "accounts:family_invitation_revoke"), HEAD_ACTS),
    ("a staff invitation's link: the same sign-in page for anyone signed out; signed in, a "
     "wrong token (or someone else's invitation) is a 404",
     ("staff_invitation:answer",), rule("404", anonymous="ok")),
    # The invitation in the world is to the tenant's mobile number.
    ("declining an invitation: the invited mobile number only",
     ("accounts:invitation_decline",), rule("404", anonymous="login", tenant="changed")),
    ("accepting one: the invitee only (refused here: the tenant already lives in the room)",
     ("accounts:invitation_accept",), rule("404", anonymous="login", tenant="ok")),
    ("a community notice: the residents of its community",
     ("notices:detail", "notices:attachment"), rule("404", anonymous="login", residents="ok")),
    ("an inbox message: its recipient only",
     ("notices:message_open",), OWNER_ONLY),
    # --- The provider pages (under /provider/): a provider's own people; nobody of this cast
    # works for one (tests/services/test_providers_portal.py walks them as members).
    ("applying as a service provider: anyone signed in",
     ("services_provider:provider_apply",), SIGNED_IN_ONLY),
    ("the provider pages of the providers part: a provider's members only",
     ("services_provider:provider_home", "services_provider:provider_profile",
      "services_provider:provider_licence", "services_provider:provider_licence_renew",
      "services_provider:provider_members", "services_provider:provider_member_add",
      "services_provider:provider_member_remove"), rule("403", anonymous="login")),
    ("the provider pages: a provider's own members only (nobody of the cast is one)",
     ("services_provider:*",), rule("403", anonymous="login")),
    # --- The platform admin: operators only; everyone else is sent to the admin's login.
    ("admin login: the site's login (its limits, its second factor); signed in, the operator "
     "goes on to the admin and anyone else is refused",
     ("admin:login",), rule("403", anonymous="login", operator="ok")),
    ("admin logout (POST): the operator is signed out, to the admin's login",
     ("admin:logout",), rule("ok", operator="login")),
    ("records the platform writes itself: read-only in the admin",
     tuple(f"admin:{model}_add" for model in NO_ADDING_IN_ADMIN)
     + tuple(f"admin:{model}_delete" for model in NO_DELETING_IN_ADMIN),
     rule("login", operator="403")),
    ("admin autocomplete: only with a field to complete", ("admin:autocomplete",),
     rule("login", operator="403")),
    ("admin 'view on site' of a community: it has no public page", ("admin:view_on_site",),
     rule("login", operator="404")),
    ("an operator's \"back up now\": a button without fields, an empty POST starts a backup",
     ("admin:platform_backups_start",), rule("login", operator="changed")),
    ("the platform admin: operators only", ("admin:*",),
     rule("login", operator="ok")),
]  # fmt: skip


# --- The URL conf --------------------------------------------------------------------------


def named_routes() -> list[tuple[str, str]]:
    """(route, name) of every named URL pattern."""

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield prefix + str(entry.pattern), name

    seen, routes = set(), []
    for route, name in walk(get_resolver(), "", ""):
        if name not in seen:  # reverse() uses the first pattern of a name
            seen.add(name)
            routes.append((route, name))
    return routes


def _kwargs_of(route: str) -> list[str]:
    return [a or b for a, b in KWARG.findall(route)]


def _is_staff_route(route: str) -> bool:
    return route.startswith("staff/")


ALLOWED = {"allowed": "ok|changed"}  # permission_matrix.yaml's word for "the view ran"
# Staff URLs as these roles only: permission_matrix.yaml's test measures the others.
STAFF_URL_ROLES = ("owner", "family", "tenant", "other_manager", "operator")


def expected_row(route: str, name: str, staff_matrix) -> dict[str, str] | None:
    if _is_staff_route(route):
        decided = staff_matrix.get(name)
        if decided is None:
            return None
        decided = {role: ALLOWED.get(outcome, outcome) for role, outcome in decided.items()}
        row = {position: decided[position] for position in STAFF}
        row.update(dict.fromkeys(RESIDENTS, decided["resident"]))
        row["anonymous"] = decided["anonymous"]
        names_an_object = bool(_kwargs_of(route))
        # The same objects, in someone else's community: 404; a list page shows their own.
        row["other_manager"] = "404" if names_an_object else decided["manager"]
        # Operators work in the admin, not in a property office's portal.
        row["operator"] = "403"
        return row
    for _why, patterns, row in RULES:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return row
    return None


def test_every_url_has_an_entry():
    staff_matrix = permission_matrix.load()
    missing = [
        f"{name} ({route})"
        for route, name in named_routes()
        if expected_row(route, name, staff_matrix) is None
    ]
    assert not missing, (
        "URL(s) without an access decision: "
        + ", ".join(missing)
        + ". A staff URL: decide its positions in tests/staff/permission_matrix.yaml (see "
        "tests/staff/test_permission_matrix.py). Any other URL: add its name to the entry of "
        "RULES in tests/test_access_matrix.py whose rule it follows, or a new entry saying "
        "what each role gets."
    )


# --- The world -----------------------------------------------------------------------------


def _world():
    community = CommunityFactory(name="翠湖花园")
    world = build_community_world(community)
    owner = world["owner"]
    # The tenant: a verified household of its own in the same room.
    tenant = ResidencyFactory(
        room=world["room"], relation=Residency.Relation.TENANT, user__display_name="租户"
    )
    elsewhere = CommunityFactory(name="金桂苑")  # another company's community
    cast = {
        "anonymous": None,
        "owner": owner.user,
        "family": world["family"].user,
        "tenant": tenant.user,
        "other_manager": StaffMemberFactory(communities=[elsewhere], position_name=MANAGER).user,
        "operator": UserFactory(is_staff=True, is_superuser=True, display_name="平台运营"),
    }
    for role, position in [("manager", MANAGER), ("front_desk", FRONT_DESK),
                           ("cashier", CASHIER), ("technician", TECHNICIAN)]:  # fmt: skip
        cast[role] = StaffMemberFactory(communities=[community], position_name=position).user

    from billing.online import services as online
    from notices.models import Notice

    notice = world["notice"]
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.PUBLISHED, published_at=timezone.now(), publish_at=timezone.now()
    )
    owner.user.avatar.save("a.jpg", avatar_from_upload(photo_upload()))
    owner.proof.save("proof.jpg", photo_upload())
    payment, _checkout = online.payment_start(
        bills=[world["bill"]], method="wechat", payer=owner.user, client=online.Client()
    )
    order = world["repair_order"]
    # A dispatched order, whose technician has a profile photo (the household sees it).
    technician = cast["technician"]
    technician.avatar.save("t.jpg", avatar_from_upload(photo_upload()))
    dispatched = RepairOrderFactory(
        household=owner, status="assigned", technician=technician.staff_member,
        assigned_at=timezone.now(), accepted_at=timezone.now(),
    )  # fmt: skip
    resident_objects = {
        "order_id": order.pk,
        "repair_file_id": world["repair_file"].pk,
        "notice_id": notice.pk,
        "activity_id": world["activity"].pk,
        "signup_id": world["activity_signup"].pk,
        "attachment_id": world["attachment"].pk,
        "message_id": MessageFactory(
            recipient=owner.user,
            object_type=ContentType.objects.get_for_model(order),
            object_id=str(order.pk),
        ).pk,
        "bill_id": world["bill"].pk,
        "receipt_id": world["receipt"].pk,
        "token": world["receipt"].token,
        "number": payment.number,
        "method": "wechat",
        "user_id": owner.user_id,
        "level": "building",
        "invitation_id": world["invitation"].pk,
        "booking_id": world["booking"].pk,
        "item_id": world["provider"].items.first().pk,
        "provider_id": world["service_provider"].pk,
        "review_photo_id": world["service_review_photo"].pk,
        "review_id": world["service_review"].pk,
        "complaint_id": world["complaint"].pk,
        "complaint_file_id": world["complaint_file"].pk,
        "suggestion_id": world["suggestion"].pk,
        "step_id": world["step"].pk,
        # Allauth's keys: well-formed and wrong (the page says so).
        "key": "wrong-key",
        "uidb36": "1",
    }
    per_url = {
        "repairs:technician_photo": {"order_id": dispatched.pk},
        "staff_invitation:answer": {"token": "not-an-invitation"},
        "accounts:residency_withdraw": {"residency_id": owner.pk},
        "accounts:residency_proof": {"residency_id": owner.pk},
        "accounts:family_invite": {"residency_id": owner.pk},
        "accounts:family_member_remove": {"residency_id": world["family"].pk},
        "services_provider:provider_member_remove": {"member_id": world["provider_owner"].pk},
        # Invited: the tenant's mobile number.
        "accounts:invitation_accept": {
            "invitation_id": FamilyInvitationFactory(head=owner, mobile=tenant.user.mobile).pk
        },
    }
    per_url["accounts:invitation_decline"] = per_url["accounts:invitation_accept"]
    return community, cast, resident_objects, per_url


def _admin_object_kwargs(route: str, name: str) -> dict[str, str] | None:
    """An existing object of the admin's model (None: there is none in the world)."""
    from django.contrib import admin
    from django.contrib.auth.models import Group

    kwargs = _kwargs_of(route)
    if not kwargs:
        return {}
    if kwargs == ["report_id"]:  # the operators' pages of an analysis report (PSTA-3)
        from platform_admin.reports.models import AnalysisReport

        report = AnalysisReport.objects.order_by("pk").first()
        return None if report is None else {"report_id": str(report.pk)}
    for model, _model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                return None
            values = {}
            for kwarg in kwargs:
                if kwarg in ("object_id", "object_pk", "id"):
                    values[kwarg] = str(obj.pk)
                elif kwarg == "user_id":
                    values[kwarg] = str(UserFactory._meta.model.objects.order_by("pk").first().pk)
                elif kwarg == "group_id":
                    values[kwarg] = str(Group.objects.order_by("pk").first().pk)
            return values
    return None


def _url(route: str, name: str, community, resident_objects, per_url) -> str | None:
    if name.startswith("admin:"):
        if name == "admin:app_list":
            return reverse(name, kwargs={"app_label": "accounts"})
        if name == "admin:view_on_site":
            from accounts.models import Community

            content_type = ContentType.objects.get_for_model(Community)
            return reverse(name, args=[content_type.pk, community.pk])
        kwargs = _admin_object_kwargs(route, name)
        return None if kwargs is None else reverse(name, kwargs=kwargs)
    kwargs = {}
    for kwarg in _kwargs_of(route):
        if _is_staff_route(route):
            lookup = scoping.lookup_for(kwarg)
            assert lookup is not None, f"{route}: {kwarg!r} is not in staff.scoping"
            obj = (
                lookup.model.objects.filter(**{lookup.community_path: community})
                .order_by("pk")
                .first()
            )
            kwargs[kwarg] = obj.pk
        elif kwarg in per_url.get(name, {}):
            kwargs[kwarg] = per_url[name][kwarg]
        else:
            assert kwarg in resident_objects, (
                f"{name} ({route}) takes {kwarg!r}: give it an object in _world() of "
                "tests/test_access_matrix.py"
            )
            kwargs[kwarg] = resident_objects[kwarg]
    return reverse(name, kwargs=kwargs)


def _outcome(response, *, changed: bool = False) -> str:
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    if response.status_code in (301, 302):
        location = response["Location"]
        for login in (resolve_url(settings.LOGIN_URL), reverse("admin:login")):
            if location.startswith(login) or location.split("?")[0].endswith(login):
                return "login"
    if response.status_code >= 500:
        return str(response.status_code)
    return "changed" if changed else "ok"


def _clients(cast) -> dict[str, Client]:
    """One client per role, signed in once (not once per request: that is most of the time)."""
    clients = {}
    for role, user in cast.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    return clients


def _request(client: Client, url: str) -> str:
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    changed = False
    try:
        with transaction.atomic():
            response = client.get(url)
            if response.status_code == 405:
                audited = AuditEntry.objects.count()
                response = client.post(url)
                changed = AuditEntry.objects.count() > audited
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - reported as the outcome
        return f"{type(error).__name__}: {error}"[:200]
    finally:
        # A logout (or a login view) changed the session: the rollback restored its row,
        # the cookie goes back too.
        if session is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = session.value
        else:
            client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    return _outcome(response, changed=changed)


@pytest.fixture
def social_apps(settings):
    """WeChat and QQ sign-in configured (with made-up ids), as in production."""
    import copy

    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    for provider in ("weixin", "weixin_mp", "qq"):
        providers[provider]["APP"] = {"client_id": f"{provider}-id", "secret": "secret"}
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.mark.sweep
@pytest.mark.req("X-1", "SUSR-2")
def test_every_url_for_every_role(db, positions, social_apps):
    started = time.monotonic()
    staff_matrix = permission_matrix.load()
    community, cast, resident_objects, per_url = _world()
    clients = _clients(cast)
    wrong, unchecked, requests = [], [], 0
    logging.disable(logging.CRITICAL)  # one "Forbidden"/"Not Found" line per request is noise
    for route, name in named_routes():
        expected = expected_row(route, name, staff_matrix)
        if expected is None:
            continue  # test_every_url_has_an_entry says what to add
        url = _url(route, name, community, resident_objects, per_url)
        if url is None:
            unchecked.append(name)
            continue
        for role in STAFF_URL_ROLES if _is_staff_route(route) else ROLES:
            got = _request(clients[role], url)
            requests += 1
            if got not in expected[role].split("|"):
                wrong.append(f"  {name} ({url}) as {role}: expected {expected[role]}, got {got}")
    logging.disable(logging.NOTSET)
    elapsed = time.monotonic() - started
    print(f"access matrix: {len(named_routes())} URLs, {requests} requests in {elapsed:.1f} s")
    assert not wrong, (
        f"{len(wrong)} URL×role outcome(s) differ from the table in tests/test_access_matrix.py "
        "(fix the view, or change the table if the new behaviour is intended):\n" + "\n".join(wrong)
    )
    # Admin pages of models with no object in the world are not walked for objects.
    assert all(name.startswith("admin:") for name in unchecked), unchecked
