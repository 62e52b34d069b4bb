from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kit.downloads import private_file_response
from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor

from .. import access, portal, selectors, services
from ..forms import FamilyInviteForm, ProfileForm, RoomBindingForm
from ..middleware import remember_large_text
from ..models import Residency


@login_required
@cache_page_per_visitor
def home(request: HttpRequest) -> HttpResponse:
    residencies, rejected = selectors.home_residencies(request.user)
    verified_room_ids = [r.room_id for r in residencies if r.status == r.Status.VERIFIED]
    households = selectors.households_for_rooms(verified_room_ids)
    cards = [{"residency": r, "household": households.get(r.room_id, [])} for r in residencies]
    return render(
        request,
        "resident/accounts/home.html",
        {
            "cards": cards,
            "rejected": rejected,
            "invitations": list(selectors.open_invitations_for_user(request.user)),
            "entries": portal.resident_entries(request),
            # What other modules show on the home page (notices: the latest notices).
            **portal.home_panels_context(request, verified_room_ids),
        },
    )


@login_required
@cache_page_per_visitor
def me(request: HttpRequest) -> HttpResponse:
    residencies = list(selectors.rooms_of_user(request.user))
    return render(
        request,
        "resident/accounts/me.html",
        {
            "residencies": residencies,
            "entries": portal.resident_entries(request),
            "me_links": portal.me_links(request),
        },
    )


@login_required
@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """The 长辈模式 switch (我的, 消息设置): the person's own preference, kept on the account and
    in a cookie for the pages before login."""
    on = request.POST.get("large_text") == "1"
    services.set_large_text(user=request.user, on=on)
    if on:
        messages.success(request, _("Large text is on."))
    else:
        messages.success(request, _("Large text is off."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("accounts:me")
    response = redirect(back)
    remember_large_text(response, on)
    return response


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial={"display_name": user.display_name, "backup_phone": user.backup_phone},
    )
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=user,
            display_name=form.cleaned_data["display_name"],
            backup_phone=form.cleaned_data["backup_phone"],
            avatar=form.cleaned_data["avatar"],
            remove_avatar=form.cleaned_data["remove_avatar"],
            request=request,
        )
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:me")
    return render(request, "resident/accounts/profile_edit.html", {"form": form})


@login_required
@require_GET
def avatar(request: HttpRequest, user_id: int) -> HttpResponse:
    """Avatars are shown to the person and to their household, never as a public file."""
    person = access.get_avatar_owner_for_viewer(request.user, user_id)
    if person is None:
        raise Http404
    return private_file_response(request, person.avatar, content_type="image/jpeg")


# Links of 账号与安全: (URL name, label, icon). Some come from allauth apps that may not be
# installed in every set-up; a missing one is left out instead of breaking the page.
SECURITY_LINKS = [
    ("account_change_password", gettext_lazy("Change password"), "key"),
    ("account_change_phone", gettext_lazy("Change mobile number"), "phone"),
    ("account_email", gettext_lazy("E-mail address"), "envelope"),
    ("socialaccount_connections", gettext_lazy("WeChat and QQ login"), "wechat"),
    ("mfa_index", gettext_lazy("Two-step verification"), "shield-lock"),
]


@login_required
def security(request: HttpRequest) -> HttpResponse:
    links = []
    for url_name, label, icon in SECURITY_LINKS:
        try:
            links.append({"url": reverse(url_name), "label": label, "icon": icon})
        except NoReverseMatch:
            continue
    return render(request, "resident/accounts/security.html", {"links": links})


@login_required
def my_rooms(request: HttpRequest) -> HttpResponse:
    residencies = selectors.residency_history_of_user(request.user)
    return render(request, "resident/accounts/rooms.html", {"residencies": residencies})


@login_required
def room_bind(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RoomBindingForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.residency_request(
                    user=request.user,
                    room=form.cleaned_data["room"],
                    relation=form.cleaned_data["relation"],
                    proof=form.cleaned_data["proof"],
                    real_name=form.cleaned_data["real_name"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error, "room")
            else:
                messages.success(
                    request,
                    _("Your request has been sent. The property staff will check it soon."),
                )
                return redirect("accounts:rooms")
    else:
        # Without JavaScript the lists are filled by submitting the choices made so far.
        form = RoomBindingForm(
            selection=request.GET, initial={"real_name": request.user.display_name}
        )
    return render(request, "resident/accounts/room_bind.html", {"form": form})


@login_required
@require_GET
def bind_options(request: HttpRequest, level: str) -> HttpResponse:
    """The <option>s of one list of the room picker, for htmx."""
    if level not in ("building", "unit", "room"):
        raise Http404
    form = RoomBindingForm(selection=request.GET)
    return render(
        request,
        "resident/accounts/_bind_options.html",
        {"field": form[level], "has_units": form.has_units},
    )


@login_required
@require_POST
def residency_withdraw(request: HttpRequest, residency_id: int) -> HttpResponse:
    residency = selectors.get_own_residency(request.user, residency_id)
    if residency is None:
        raise Http404
    try:
        services.residency_withdraw(residency=residency, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("accounts:rooms")


@login_required
@require_GET
def residency_proof(request: HttpRequest, residency_id: int) -> HttpResponse:
    """The proof photo, for the resident who sent it and for staff of the room's community
    who may see residents. Anyone else gets a 404, as if there were no such photo."""
    residency = access.get_residency_proof_for_viewer(request.user, residency_id)
    if residency is None:
        raise Http404
    return private_file_response(request, residency.proof, content_type="image/jpeg")


@login_required
def family(request: HttpRequest) -> HttpResponse:
    return render(request, "resident/accounts/family.html", _family_context(request))


@login_required
@require_POST
def family_invite(request: HttpRequest, residency_id: int) -> HttpResponse:
    head = selectors.get_head_residency_for_user(request.user, residency_id)
    if head is None:
        raise Http404
    form = FamilyInviteForm(request.POST, prefix=f"h{head.pk}")
    if form.is_valid():
        try:
            services.family_invite(
                head=head, actor=request.user, mobile=form.cleaned_data["mobile"], request=request
            )
        except ValidationError as error:
            form.add_error("mobile", error)
        else:
            messages.success(request, _("Invitation sent by SMS. It is valid for 7 days."))
            return redirect("accounts:family")
    if head.relation == Residency.Relation.FAMILY:
        # A family member has no invitation form on the page to show the error next to.
        messages.error(request, form.errors["mobile"][0])
        return redirect("accounts:family")
    return render(request, "resident/accounts/family.html", _family_context(request, form))


def _family_context(request: HttpRequest, invite_form: FamilyInviteForm | None = None) -> dict:
    """家庭成员: households I head (with a form to invite), households I joined, and
    invitations waiting for me. `invite_form` is a submitted form to show again."""
    heads = selectors.households_headed_by(request.user)
    for head in heads:
        prefix = f"h{head.pk}"
        head.invite_form = (
            invite_form
            if invite_form is not None and invite_form.prefix == prefix
            else FamilyInviteForm(prefix=prefix)
        )
    return {
        "heads": heads,
        "memberships": selectors.households_joined_by(request.user),
        "invitations": list(selectors.open_invitations_for_user(request.user)),
    }


@login_required
@require_POST
def family_member_remove(request: HttpRequest, residency_id: int) -> HttpResponse:
    member = selectors.get_household_residency_for_user(request.user, residency_id)
    if member is None:
        raise Http404
    try:
        services.family_member_remove(member=member, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(name)s has left the household.") % {"name": member.user})
    return redirect("accounts:family")


@login_required
@require_POST
def family_invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.get_invitation_sent_by_household(request.user, invitation_id)
    if invitation is None:
        raise Http404
    try:
        services.family_invitation_revoke(
            invitation=invitation, actor=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The invitation has been withdrawn."))
    return redirect("accounts:family")


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.get_invitation_for_invitee(request.user, invitation_id)
    if invitation is None:
        raise Http404
    try:
        residency = services.family_invitation_accept(
            invitation=invitation, user=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("accounts:family")
    messages.success(
        request,
        _("Welcome! You are now a family member of %(room)s.") % {"room": residency.room.label},
    )
    return redirect("accounts:home")


@login_required
@require_POST
def invitation_decline(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.get_invitation_for_invitee(request.user, invitation_id)
    if invitation is None:
        raise Http404
    try:
        services.family_invitation_decline(
            invitation=invitation, user=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.info(request, _("You have declined the invitation."))
    return redirect("accounts:family")
