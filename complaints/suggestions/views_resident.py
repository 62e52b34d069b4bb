"""The resident's 建议 pages (phone): sending a suggestion, following it, the community's board
of suggestions, supporting a neighbour's one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit.forms import add_service_errors

from . import selectors, services
from .forms import SuggestionForm

PAGE_SIZE = 15
BOARD_TABS = [
    ("open", gettext_lazy("Collecting support")),
    ("adopted", pgettext_lazy("suggestion board", "Adopted")),
    ("done", gettext_lazy("You suggested, we did")),
]


def _community(request: HttpRequest, communities: list):
    wanted = request.GET.get("community")
    return next((c for c in communities if str(c.pk) == wanted), communities[0])


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_create(request: HttpRequest) -> HttpResponse:
    communities = selectors.communities_of_user(request.user)
    if not communities:
        messages.info(request, _("Bind and verify your room first; then you can send suggestions."))
        return redirect("complaints:home")
    community = _community(request, communities)
    form = SuggestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        household = services.household_in_community(request.user, community.pk)
        try:
            suggestion = services.suggestion_submit(
                household=household,
                proposer=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                is_public=form.cleaned_data["is_public"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you! Your suggestion %(number)s was sent to the property office.")
                % {"number": suggestion.number},
            )
            return redirect("complaints:suggestion_detail", suggestion_id=suggestion.pk)
    return render(
        request,
        "resident/complaints/suggestions/create.html",
        {"form": form, "community": community, "communities": communities},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion, own = selectors.suggestion_for_resident_or_404(request.user, suggestion_id)
    may_support = not own and suggestion.is_public and suggestion.status in services.SUPPORTABLE
    return render(
        request,
        "resident/complaints/suggestions/detail.html",
        {
            "suggestion": suggestion,
            "own": own,
            "may_support": may_support,
            "events": selectors.resident_timeline(suggestion),
            "steps": selectors.plan_steps(suggestion)
            if suggestion.status in suggestion.ADOPTED_STATUSES
            else [],
        },
    )


@login_required
@require_GET
def suggestion_board(request: HttpRequest) -> HttpResponse:
    communities = selectors.communities_of_user(request.user)
    tab = request.GET.get("tab", "open")
    if tab not in selectors.BOARD_SECTIONS:
        tab = "open"
    if not communities:
        return render(
            request,
            "resident/complaints/suggestions/board.html",
            {"page": None, "tab": tab, "tabs": BOARD_TABS, "community": None},
        )
    community = _community(request, communities)
    suggestions = selectors.board(community, request.user, tab)
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resident/complaints/suggestions/board.html",
        {
            "page": page,
            "tab": tab,
            "tabs": BOARD_TABS,
            "community": community,
            "communities": communities,
            "supportable": services.SUPPORTABLE,
        },
    )


def _support_action(request: HttpRequest, suggestion_id: int, action, done: str):
    suggestion, _own = selectors.suggestion_for_resident_or_404(request.user, suggestion_id)
    try:
        action(suggestion=suggestion, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    if request.POST.get("next") == "board":
        return redirect(
            f"{reverse('complaints:suggestion_board')}?community={suggestion.community_id}"
            f"&tab={'adopted' if suggestion.status in suggestion.ADOPTED_STATUSES else 'open'}"
        )
    return redirect("complaints:suggestion_detail", suggestion_id=suggestion.pk)


@login_required
@require_POST
def suggestion_support(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    return _support_action(
        request, suggestion_id, services.support_add, _("Thank you for your support.")
    )


@login_required
@require_POST
def suggestion_unsupport(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    return _support_action(
        request, suggestion_id, services.support_withdraw, _("Your support was withdrawn.")
    )
