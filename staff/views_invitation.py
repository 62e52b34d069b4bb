"""The page a staff invitation's SMS links to. Nothing about the invitation is shown before the
visitor has logged in with the invited number; to anyone else the link is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.phone import mask_mobile

from . import selectors, services
from .forms import StaffInvitationAcceptForm


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if not request.user.is_authenticated:
        # The same page for every link, valid or not: log in (or sign up) with the number
        # the invitation was texted to, then come back here.
        return render(request, "staff/invitation_login.html", {"next": request.path})
    invitation = selectors.invitation_by_token(token)
    if invitation is None or invitation.mobile != request.user.mobile:
        raise Http404
    refusal = services.staff_invitation_refusal(invitation, request.user)
    form = StaffInvitationAcceptForm(request=request)
    status = 200
    if request.method == "POST" and refusal:
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "send_code":
        try:
            services.staff_invitation_send_code(
                invitation=invitation, user=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            status = 400
        else:
            messages.success(
                request,
                _("A code has been sent to %(phone)s.")
                % {"phone": mask_mobile(request.user.mobile)},
            )
            return redirect(request.path)
    elif request.method == "POST":
        form = StaffInvitationAcceptForm(request.POST, request=request)
        if form.is_valid():
            try:
                member = services.staff_invitation_accept(
                    invitation=invitation, user=request.user, request=request
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("You have joined the staff of %(company)s as %(position)s.")
                    % {"company": member.company, "position": invitation.position.name},
                )
                return redirect("staff:home")
        status = 400
    return render(
        request,
        "staff/invitation_answer.html",
        {
            "invitation": invitation,
            "communities": invitation.communities.order_by("name"),
            "refusal": refusal,
            "form": form,
            "phone": mask_mobile(request.user.mobile),
        },
        status=status,
    )
