"""The 平台参数 operator pages: every platform parameter by module, and one parameter's
platform value and company overrides. Thin: the store (kit.parameters) validates, writes,
audits and drops the cache."""

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kit import parameters

from . import selectors
from .forms import OverrideForm, ParameterValueForm

# The parameters kept as admin models of their own apps, gathered under the same heading.
GATHERED = [
    ("admin:billing_feeruletemplate_changelist", gettext_lazy("Fee rule templates"),
     gettext_lazy("What communities adopt: prices, cycles, due days and late fees (per cent "
                  "a day).")),
    ("admin:notices_pushrule_changelist", gettext_lazy("Push rules"),
     gettext_lazy("Which channels each kind of message goes through.")),
    ("admin:notices_pushsettings_changelist", gettext_lazy("Quiet hours"),
     gettext_lazy("When non-urgent pushes wait until morning.")),
    ("admin:staff_positiontemplate_changelist", gettext_lazy("Position templates"),
     gettext_lazy("Named sets of duties a new position starts from.")),
    ("admin:staff_position_changelist", gettext_lazy("Positions (permission templates)"),
     gettext_lazy("The duties each position holds, in a property company's words.")),
]  # fmt: skip


def _context(request: HttpRequest, **extra) -> dict:
    return {**admin.site.each_context(request), **extra}


def parameter_index(request: HttpRequest) -> HttpResponse:
    gathered = [
        {"url": reverse(name), "title": title, "about": about} for name, title, about in GATHERED
    ]
    return TemplateResponse(
        request,
        "admin/platform/parameters/index.html",
        _context(
            request,
            title=_("Platform parameters"),
            groups=selectors.parameter_groups(),
            gathered=gathered,
        ),
    )


def _set(request, row, forms_):
    form = ParameterValueForm(request.POST, parameter=row.parameter)
    if not form.is_valid():
        return {**forms_, "form": form}
    parameters.parameter_set(
        key=row.parameter.key, value=form.cleaned_data["value"], actor=request.user,
        request=request,
    )  # fmt: skip
    messages.success(request, _("The platform value was saved."))
    return None


def _reset(request, row, forms_):
    parameters.parameter_clear(key=row.parameter.key, actor=request.user, request=request)
    messages.success(request, _("The platform value is back to the default."))
    return None


def _add_override(request, row, forms_):
    form = OverrideForm(
        request.POST, parameter=row.parameter, prefix="override",
        companies=selectors.companies_without_override(row),
    )  # fmt: skip
    if not form.is_valid():
        return {**forms_, "override_form": form}
    parameters.parameter_set(
        key=row.parameter.key, value=form.cleaned_data["value"],
        company=form.cleaned_data["company"], actor=request.user, request=request,
    )  # fmt: skip
    messages.success(request, _("The company's own value was saved."))
    return None


def _remove_override(request, row, forms_):
    override = next(
        (o for o in row.overrides if str(o.company.pk) == request.POST.get("company")), None
    )
    if override is None:
        raise Http404
    parameters.parameter_clear(
        key=row.parameter.key, company=override.company, actor=request.user, request=request
    )
    messages.success(
        request,
        _("%(company)s follows the platform value again.") % {"company": override.company.name},
    )
    return None


ACTIONS = {"set": _set, "reset": _reset, "add_override": _add_override,
           "remove_override": _remove_override}  # fmt: skip
COMPANY_ACTIONS = {"add_override", "remove_override"}


@require_http_methods(["GET", "POST"])
def parameter_edit(request: HttpRequest, key: str) -> HttpResponse:
    try:
        row = selectors.parameter_row(key)
    except KeyError:
        raise Http404 from None
    param = row.parameter
    forms_ = {
        "form": ParameterValueForm(parameter=param, initial_value=parameters.get(key)),
        "override_form": OverrideForm(
            parameter=param, prefix="override",
            companies=selectors.companies_without_override(row),
        ) if param.company_override else None,
    }  # fmt: skip
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS or (action in COMPANY_ACTIONS and not param.company_override):
            return HttpResponse(status=400)
        invalid = ACTIONS[action](request, row, forms_)
        if invalid is None:
            return redirect("admin:platform_parameters_edit", key=key)
        forms_ = invalid
    return TemplateResponse(
        request,
        "admin/platform/parameters/edit.html",
        _context(
            request,
            title=str(param.label),
            row=row,
            index_url=reverse("admin:platform_parameters"),
            **forms_,
        ),
        status=400 if request.method == "POST" else 200,
    )
