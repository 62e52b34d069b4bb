"""The provider pages of the providers part (under /provider/): applying (anyone logged in),
then, for a provider's members, the home, the profile with the licence, and the members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.downloads import private_file_response
from kit.forms import add_service_errors

from ..bookings import selectors as booking_selectors
from . import selectors, services
from .access import member_of, provider_required
from .forms import (
    HoursForm,
    LicenceForm,
    MemberAddForm,
    ProviderApplication,
    ProviderProfileForm,
    item_formset,
)

OWNER = "owner"


def private_image(request: HttpRequest, field_file) -> HttpResponse:
    return private_file_response(request, field_file, content_type="image/jpeg")


# --- Applying --------------------------------------------------------------------------------------


@login_required
def provider_apply(request: HttpRequest) -> HttpResponse:
    if member_of(request.user) is not None:
        messages.info(request, _("This account already works for a service provider."))
        return redirect("services_provider:provider_home")
    application = ProviderApplication(request.POST or None, request.FILES or None)
    if request.method == "POST" and application.is_valid():
        try:
            services.provider_apply(
                user=request.user,
                draft=application.draft(),
                communities=application.target.cleaned_data["communities"],
                request=request,
            )
        except ValidationError as error:
            application.add_error(error)
        else:
            messages.success(
                request,
                _(
                    "Your application was sent. Each community's staff will review it; you will "
                    "be told of every decision."
                ),  # fmt: skip
            )
            return redirect("services_provider:provider_home")
    return render(
        request,
        "provider/providers/apply.html",
        {"application": application, "verified": request.user.mobile_verified},
        status=400 if request.method == "POST" else 200,
    )


# --- The provider's home ---------------------------------------------------------------------------


@provider_required
def provider_home(request: HttpRequest) -> HttpResponse:
    provider = request.provider
    return render(
        request,
        "provider/providers/home.html",
        {
            "provider": provider,
            "listings": selectors.listings_of_provider(provider),
            "licence_state": selectors.licence_state(provider),
            "agenda": booking_selectors.provider_agenda(provider),
        },
    )


# --- Profile, items, hours, licence ----------------------------------------------------------------


def _profile_context(request, *, profile=None, items=None, hours=None, licence=None) -> dict:
    provider = request.provider
    return {
        "provider": provider,
        "profile_form": profile or ProviderProfileForm(instance=provider, prefix="p"),
        "items": items or item_formset(provider=provider),
        "hours_form": hours or HoursForm(prefix="h", initial=HoursForm.initial_from(provider)),
        "licence_form": licence or LicenceForm(prefix="l"),
        "licence_state": selectors.licence_state(provider),
    }


@provider_required
def provider_profile(request: HttpRequest) -> HttpResponse:
    provider = request.provider
    if request.method != "POST":
        return render(request, "provider/providers/profile.html", _profile_context(request))
    profile = ProviderProfileForm(request.POST, instance=provider, prefix="p")
    items = item_formset(request.POST, provider=provider)
    hours = HoursForm(request.POST, prefix="h")
    if all([profile.is_valid(), items.is_valid(), hours.is_valid()]):
        cleaned = dict(profile.cleaned_data)
        categories = cleaned.pop("categories")
        provider.refresh_from_db()  # the form wrote onto the instance; the service compares
        services.provider_update(
            provider=provider,
            actor=request.user,
            profile=cleaned,
            categories=categories,
            items_formset=items,
            hours=hours.hours(),
            request=request,
        )
        messages.success(request, _("The profile was saved."))
        return redirect("services_provider:provider_profile")
    context = _profile_context(request, profile=profile, items=items, hours=hours)
    return render(request, "provider/providers/profile.html", context, status=400)


@provider_required
@require_GET
def provider_licence(request: HttpRequest) -> HttpResponse:
    if not request.provider.licence_image:
        raise Http404
    return private_image(request, request.provider.licence_image)


@provider_required
@require_POST
def provider_licence_renew(request: HttpRequest) -> HttpResponse:
    form = LicenceForm(request.POST, request.FILES, prefix="l")
    if form.is_valid():
        try:
            services.licence_renew(
                provider=request.provider,
                actor=request.user,
                image=form.cleaned_data["licence_image"],
                number=form.cleaned_data["licence_number"],
                expires_on=form.cleaned_data["licence_expires_on"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The new licence was saved. Communities that suspended you for the old one "
                    "will review you again."
                ),  # fmt: skip
            )
            return redirect("services_provider:provider_profile")
    context = _profile_context(request, licence=form)
    return render(request, "provider/providers/profile.html", context, status=400)


# --- Members ---------------------------------------------------------------------------------------


def _members_page(request, form=None, status=200) -> HttpResponse:
    return render(
        request,
        "provider/providers/members.html",
        {
            "members": selectors.members_of(request.provider),
            "is_owner": request.provider_member.role == OWNER,
            "form": form or MemberAddForm(),
        },
        status=status,
    )


@provider_required
def provider_members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@provider_required
@require_POST
def provider_member_add(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            services.member_add(
                by=request.provider_member, mobile=form.cleaned_data["mobile"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="mobile")
        else:
            messages.success(request, _("The worker was added."))
            return redirect("services_provider:provider_members")
    return _members_page(request, form, status=400)


@provider_required
@require_POST
def provider_member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.get_member(request.provider, member_id)
    if member is None:
        raise Http404
    try:
        services.member_remove(by=request.provider_member, member=member, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The worker was removed."))
    return redirect("services_provider:provider_members")
