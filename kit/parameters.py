"""Platform parameters (PSET-1): values operators change in the admin (平台参数) without a restart,
read by every app with `get(key, company=...)`.

Each app declares its parameters once, from its AppConfig.ready / setup (`register_parameters`),
with a Chinese label, a type, bounds, a unit and a default — the setting from the environment,
so an installation that never opens the page behaves as before. Operators set a platform value
and, where `company_override` allows, a value for one property company (`ParameterValue`).
`get` answers company value → platform value → default.

Every stored value is held in the cache as one small dict (a few dozen rows at most), read once
per cache lifetime and dropped on every change, so a change applies at the next read in every
process. Secrets (payment keys, SMS credentials) never belong here: they stay in the environment
(a test checks that no registered key looks like one)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .audit import log_action
from .models import ParameterValue
from .pagecache import depends_on, table_scope

INT, DECIMAL, BOOL, DURATION, CHOICE, LIST = "int", "decimal", "bool", "duration", "choice", "list"
KINDS = (INT, DECIMAL, BOOL, DURATION, CHOICE, LIST)
# A duration is typed as a whole number of its unit and read as a timedelta.
DURATION_UNITS = {"minutes": "minutes", "hours": "hours", "days": "days"}
CACHE_KEY = "kit.parameters.values"
CACHE_SECONDS = 60 * 60
MAX_LIST_ITEMS = 10


@dataclass(frozen=True)
class Parameter:
    """One parameter as an app declares it. `default` may be a callable (read at each use, so
    a setting changed in tests or the environment is followed). For a list, `minimum` and
    `maximum` bound each item; for a duration, `unit` is one of DURATION_UNITS."""

    key: str
    label: str | Promise
    module: str | Promise
    kind: str
    default: Any
    help: str | Promise = ""
    unit: str | Promise = ""
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    choices: tuple[tuple[str, str | Promise], ...] = ()
    company_override: bool = False
    duration_unit: str = ""
    order: int = 100

    def default_value(self) -> Any:
        value = self.default() if callable(self.default) else self.default
        if self.kind == DURATION and not isinstance(value, dt.timedelta):
            value = dt.timedelta(**{self.duration_unit: int(value)})
        if self.kind == LIST:
            value = sorted({int(item) for item in value}, reverse=True)
        return value


_REGISTRY: dict[str, Parameter] = {}


def register_parameters(parameters: Iterable[Parameter]) -> None:
    for parameter in parameters:
        if parameter.kind not in KINDS:
            raise ValueError(f"{parameter.key}: unknown kind {parameter.kind!r}")
        if parameter.kind == DURATION and parameter.duration_unit not in DURATION_UNITS:
            raise ValueError(f"{parameter.key}: a duration needs duration_unit")
        _REGISTRY[parameter.key] = parameter


def registered() -> list[Parameter]:
    """In the page's order: modules by their first parameter's `order`, then by `order`."""
    first: dict[str, int] = {}
    for item in _REGISTRY.values():
        first[str(item.module)] = min(item.order, first.get(str(item.module), item.order))
    return sorted(_REGISTRY.values(), key=lambda p: (first[str(p.module)], p.order, p.key))


def parameter(key: str) -> Parameter:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"No platform parameter {key!r} is registered") from None


def grouped() -> list[tuple[str, list[Parameter]]]:
    """(module label, its parameters) in the order of the page."""
    groups: dict[str, list[Parameter]] = {}
    for item in registered():
        groups.setdefault(str(item.module), []).append(item)
    return list(groups.items())


# --- Text ⇄ value -----------------------------------------------------------------------------


def _bounds_error(param: Parameter, number: Any) -> None:
    # The space between number and unit is the translation's: 「最多9张」, "At most 9 photos".
    if param.minimum is not None and number < param.minimum:
        message = _("At least %(limit)s %(unit)s.") if param.unit else _("At least %(limit)s.")
        raise ValidationError(
            message % {"limit": param.minimum, "unit": param.unit}, code="min_value"
        )
    if param.maximum is not None and number > param.maximum:
        message = _("At most %(limit)s %(unit)s.") if param.unit else _("At most %(limit)s.")
        raise ValidationError(
            message % {"limit": param.maximum, "unit": param.unit}, code="max_value"
        )


def _whole_number(text: str) -> int:
    text = text.strip()
    if not text.lstrip("-").isdigit():
        raise ValidationError(_("Enter a whole number."), code="invalid")
    return int(text)


def parse(param: Parameter, text: str) -> Any:
    """The value of `text` as typed or stored, checked against the bounds (errors in Chinese)."""
    text = (text or "").strip()
    if text == "" and param.kind != LIST:
        raise ValidationError(_("Please enter a value."), code="required")
    if param.kind == INT:
        number = _whole_number(text)
        _bounds_error(param, number)
        return number
    if param.kind == DURATION:
        number = _whole_number(text)
        _bounds_error(param, number)
        return dt.timedelta(**{param.duration_unit: number})
    if param.kind == DECIMAL:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter a number, e.g. 0.05."), code="invalid") from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number, e.g. 0.05."), code="invalid")
        _bounds_error(param, number)
        return number
    if param.kind == BOOL:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValidationError(_("Choose yes or no."), code="invalid")
    if param.kind == CHOICE:
        if text not in {value for value, _label in param.choices}:
            raise ValidationError(_("Choose one of the options."), code="invalid_choice")
        return text
    # LIST: whole numbers separated by commas (Chinese commas too), e.g. 7,3
    items = [item.strip() for item in text.replace("，", ",").split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError(
            _("At most %(count)d numbers.") % {"count": MAX_LIST_ITEMS}, code="too_many"
        )
    numbers = []
    for item in items:
        if not item.isdigit():
            raise ValidationError(
                _("Enter whole numbers separated by commas, e.g. 7,3."), code="invalid"
            )
        _bounds_error(param, int(item))
        numbers.append(int(item))
    return sorted(set(numbers), reverse=True)


def as_text(param: Parameter, value: Any) -> str:
    """What is stored (and shown in a form field) for `value`."""
    if param.kind == DURATION:
        if isinstance(value, dt.timedelta):
            value = int(value.total_seconds() // _unit_seconds(param))
        return str(int(value))
    if param.kind == BOOL:
        return "true" if value else "false"
    if param.kind == LIST:
        return ",".join(str(item) for item in value)
    if param.kind == DECIMAL:
        return format(Decimal(value).normalize(), "f")
    return str(value)


def display(param: Parameter, value: Any) -> str:
    """`value` as an operator reads it, with its unit."""
    if param.kind == BOOL:
        return _("Yes") if value else _("No")
    if param.kind == CHOICE:
        return str(dict(param.choices).get(value, value))
    if param.kind == LIST and not value:
        return _("none")
    text = as_text(param, value).replace(",", "、")
    return f"{text} {param.unit}" if param.unit else text


def _unit_seconds(param: Parameter) -> int:
    return {"minutes": 60, "hours": 3600, "days": 86400}[param.duration_unit]


# --- Reading ------------------------------------------------------------------------------------


def _company_id(company: Any) -> int | None:
    if company is None:
        return None
    return company if isinstance(company, int) else company.pk


def stored_values() -> dict[tuple[str, int | None], str]:
    """Every stored value by (key, company id or None), from the cache."""
    # A page showing them is made again when they change, though its SQL may not read them.
    depends_on([table_scope(ParameterValue._meta.db_table)])
    values = cache.get(CACHE_KEY)
    if values is None:
        values = {
            f"{key}|{company_id or ''}": value
            for key, company_id, value in ParameterValue.objects.values_list(
                "key", "company_id", "value"
            )
        }
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    return {
        (name, int(company) if company else None): value
        for name, company, value in (
            (*entry.rsplit("|", 1), value) for entry, value in values.items()
        )
    }


def _value_of(param: Parameter, text: str | None) -> Any:
    if text is None:
        return param.default_value()
    try:
        return parse(param, text)
    except ValidationError:
        # Stored before the bounds were narrowed: the default rather than a value out of range.
        return param.default_value()


def get(key: str, *, company: Any = None) -> Any:
    """The parameter's value for `company` (a PropertyCompany or its id; None: the platform's):
    the company's override where the parameter allows one, else the platform value, else the
    default."""
    param = parameter(key)
    values = stored_values()
    company_id = _company_id(company)
    if param.company_override and company_id is not None and (key, company_id) in values:
        return _value_of(param, values[(key, company_id)])
    return _value_of(param, values.get((key, None)))


def invalidate() -> None:
    cache.delete(CACHE_KEY)


# --- Writing (operators, through the 平台参数 page) ------------------------------------------------


@transaction.atomic
def parameter_set(
    *, key: str, value: Any, company: Any = None, actor: Any,
    request: HttpRequest | None = None,
) -> ParameterValue:  # fmt: skip
    """Store the platform value (company None) or one company's override, audited with the
    value before and after."""
    param = parameter(key)
    if company is not None and not param.company_override:
        raise ValueError(f"{key} has no company overrides")
    text = as_text(param, value)
    parse(param, text)  # never store what `get` would refuse
    row = ParameterValue.objects.select_for_update().filter(key=key, company=company).first()
    before = get(key, company=company)
    if row is None:
        row = ParameterValue(key=key, company=company)
    row.value = text
    row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    row.save()
    _log(param, row, company, before, value, actor, request, action="kit.parameter_changed")
    return row


@transaction.atomic
def parameter_clear(
    *, key: str, company: Any = None, actor: Any, request: HttpRequest | None = None
) -> None:
    """Back to the platform value (for a company) or to the default (platform-wide)."""
    param = parameter(key)
    row = ParameterValue.objects.select_for_update().filter(key=key, company=company).first()
    if row is None:
        return
    before = get(key, company=company)
    row.delete()
    invalidate()
    after = get(key, company=company)
    _log(param, row, company, before, after, actor, request, action="kit.parameter_cleared")


def _log(param, row, company, before, after, actor, request, *, action: str) -> None:
    invalidate()
    # And again once committed: a reader between the two may have cached the old rows.
    transaction.on_commit(invalidate)
    log_action(
        actor=actor,
        action=action,
        target=row if row.pk else None,
        data={
            "key": param.key,
            "parameter": str(param.label),
            "company": getattr(company, "name", str(company)) if company is not None else "",
            "company_id": _company_id(company),
            "before": as_text(param, before),
            "after": as_text(param, after),
            "before_display": display(param, before),
            "after_display": display(param, after),
        },
        request=request,
    )
