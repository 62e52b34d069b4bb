"""The staff pages of suggestions (建议征集): the queue with its filters and Excel export, and
one suggestion with its evaluation, decision, merging, plan, progress and completion."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit import spreadsheets
from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from ..models import Suggestion, SuggestionStep
from ..setup import EVALUATE, VIEW_SUGGESTION
from . import selectors, services
from .forms import (
    CompleteForm,
    DecisionForm,
    EvaluationForm,
    MergeForm,
    ProgressForm,
    QueueFilterForm,
    StepForm,
)

PAGE_SIZE = 30
EXPORT_LIMIT = 5000


def _filters(request: HttpRequest) -> tuple[QueueFilterForm, dict]:
    form = QueueFilterForm(request.GET)
    return form, (form.cleaned_data if form.is_valid() else {})


@staff_required(VIEW_SUGGESTION)
@require_GET
@cache_page_per_visitor
def suggestion_queue(request: HttpRequest) -> HttpResponse:
    form, data = _filters(request)
    suggestions = selectors.filtered_queue(request.community, data)
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/complaints/suggestions/queue.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required(VIEW_SUGGESTION)
@require_GET
def suggestion_export(request: HttpRequest) -> HttpResponse:
    """The queue as Excel, for the office: internal evaluation included (staff only)."""
    _form, data = _filters(request)
    suggestions = selectors.filtered_queue(request.community, data)[:EXPORT_LIMIT]
    headers = [
        _("Number"), _("Submitted at"), _("Title"), _("Suggestion"), _("Room"), _("Proposed by"),
        _("Visible to neighbours"), _("Status"), _("Supporters"), _("Feasibility (internal)"),
        _("Estimated cost (yuan, internal)"), _("Reason given to residents"), pgettext("suggestion", "What was done"),
    ]  # fmt: skip
    rows = (
        [
            s.number,
            timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"),
            s.title,
            s.body,
            s.household.room.label,
            s.proposer.get_full_name(),
            _("Yes") if s.is_public else _("No"),
            s.get_status_display(),
            s.support_count,
            s.feasibility_note,
            s.estimated_cost,
            s.decision_reason,
            s.outcome,
        ]
        for s in suggestions
    )
    data_set = spreadsheets.dataset(rows, headers=headers, title=_("Suggestions"))
    day = timezone.localdate().isoformat()
    return spreadsheets.file_response(
        spreadsheets.export(data_set, "xlsx"), file_name=f"{_('Suggestions')}-{day}.xlsx"
    )


def _suggestion(request: HttpRequest, suggestion_id: int) -> Suggestion:
    queryset = Suggestion.objects.select_related(
        "community", "household__room__building", "household__room__unit", "proposer",
        "handler__user", "merged_into", "completion_notice",
    )  # fmt: skip
    return get_scoped_or_404(request, queryset, suggestion_id)


def _render_detail(request: HttpRequest, suggestion: Suggestion, status: int = 200,
                   **forms) -> HttpResponse:  # fmt: skip
    candidates = selectors.merge_candidates(suggestion)
    context = {
        "suggestion": suggestion,
        "events": selectors.staff_timeline(suggestion),
        "steps": selectors.plan_steps(suggestion),
        "merged": selectors.merged_into(suggestion),
        "can_evaluate": staff_has_perm(request, EVALUATE),
        "plannable": suggestion.status in services.PLANNABLE,
        "mergeable": suggestion.status in services.MERGE_TARGETS,
        "evaluation_form": EvaluationForm(
            initial={
                "feasibility": suggestion.feasibility_note,
                "estimated_cost": suggestion.estimated_cost,
            }
        ),
        "decision_form": DecisionForm(),
        "merge_form": MergeForm(candidates=candidates),
        "step_form": StepForm(community=request.community),
        "progress_form": ProgressForm(),
        "complete_form": CompleteForm(),
    }
    context.update(forms)
    # A refusal is also shown on top: the form it came from may not be on the page any more.
    context["refusals"] = [
        error for form in forms.values() for errors in form.errors.values() for error in errors
    ]
    return render(request, "staff/complaints/suggestions/detail.html", context, status=status)


@staff_required(VIEW_SUGGESTION)
@require_GET
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    return _render_detail(request, _suggestion(request, suggestion_id))


def _back(suggestion) -> HttpResponse:
    return redirect("complaints_staff:suggestion_detail", suggestion_id=suggestion.pk)


def _form_action(request, suggestion, form, name: str, call, done: str, field=None):
    """Validate `form`, run `call(form.cleaned_data)`; a refusal is shown on the form."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field)
        else:
            messages.success(request, done)
            return _back(suggestion)
    return _render_detail(request, suggestion, status=400, **{name: form})


def _simple_action(request, suggestion, call, done: str) -> HttpResponse:
    try:
        call()
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    return _back(suggestion)


@require_POST
@staff_required(EVALUATE)
def suggestion_evaluate(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    return _simple_action(
        request, suggestion,
        lambda: services.evaluation_start(suggestion=suggestion, actor=request.user,
                                          request=request),
        _("The evaluation has started."),
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_note(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    return _form_action(
        request, suggestion, EvaluationForm(request.POST), "evaluation_form",
        lambda data: services.evaluation_note(
            suggestion=suggestion, feasibility=data["feasibility"],
            estimated_cost=data["estimated_cost"], actor=request.user, request=request,
        ),
        _("The evaluation notes were saved (staff only)."), "feasibility",
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    return _form_action(
        request, suggestion, DecisionForm(request.POST), "decision_form",
        lambda data: services.suggestion_decide(
            suggestion=suggestion, adopt=data["decision"] == "adopt", reason=data["reason"],
            actor=request.user, request=request,
        ),
        _("The decision was saved; the proposer and the supporters were told."), "reason",
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_merge(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    form = MergeForm(request.POST, candidates=selectors.merge_candidates(suggestion))
    return _form_action(
        request, suggestion, form, "merge_form",
        lambda data: services.suggestions_merge(
            survivor=suggestion, duplicates=list(data["duplicates"]), actor=request.user,
            request=request,
        ),
        _("The duplicates were merged into this suggestion."), "duplicates",
    )  # fmt: skip


def _save_step(request, suggestion, form, step=None):
    return lambda data: services.step_save(
        suggestion=suggestion, title=data["title"], owner=data["owner"],
        owner_name=data["owner_name"], target_date=data["target_date"], actor=request.user,
        step=step, request=request,
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_step_add(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    form = StepForm(request.POST, community=request.community)
    return _form_action(request, suggestion, form, "step_form",
                        _save_step(request, suggestion, form), _("The step was added."),
                        "title")  # fmt: skip


def _step(request: HttpRequest, step_id: int) -> SuggestionStep:
    return get_scoped_or_404(
        request, SuggestionStep.objects.select_related("suggestion", "owner__user"), step_id
    )


@require_http_methods(["GET", "POST"])
@staff_required(EVALUATE)
def suggestion_step_edit(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(request, step_id)
    suggestion = _suggestion(request, step.suggestion_id)
    initial = {
        "title": step.title, "owner": step.owner, "owner_name": step.owner_name,
        "target_date": step.target_date,
    }  # fmt: skip
    form = StepForm(request.POST if request.method == "POST" else None, initial=initial,
                    community=request.community)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            _save_step(request, suggestion, form, step)(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, "title")
        else:
            messages.success(request, _("The step was saved."))
            return _back(suggestion)
    return render(
        request,
        "staff/complaints/suggestions/step_form.html",
        {"form": form, "step": step, "suggestion": suggestion},
        status=400 if form.is_bound else 200,
    )


@require_POST
@staff_required(EVALUATE)
def suggestion_step_remove(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(request, step_id)
    return _simple_action(
        request, step.suggestion,
        lambda: services.step_remove(step=step, actor=request.user, request=request),
        _("The step was removed from the plan."),
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(request, step_id)
    return _simple_action(
        request, step.suggestion,
        lambda: services.step_done(step=step, actor=request.user, request=request),
        _("The step is done; the proposer and the supporters were told."),
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_progress(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    return _form_action(
        request, suggestion, ProgressForm(request.POST), "progress_form",
        lambda data: services.progress_post(
            suggestion=suggestion, note=data["note"], actor=request.user, request=request
        ),
        _("The progress update was sent to the proposer and the supporters."), "note",
    )  # fmt: skip


@require_POST
@staff_required(EVALUATE)
def suggestion_complete(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    return _form_action(
        request, suggestion, CompleteForm(request.POST), "complete_form",
        lambda data: services.suggestion_complete(
            suggestion=suggestion, outcome=data["outcome"],
            publish_notice=data["publish_notice"], actor=request.user, request=request,
        ),
        _("The suggestion is done; everyone following it was told."), "outcome",
    )  # fmt: skip
