"""Reads of the 平台参数 pages: every registered parameter with its default, platform value and
company overrides, from the parameter store's cached values (no query per parameter)."""

from dataclasses import dataclass, field
from typing import Any

from accounts.models import PropertyCompany
from accounts.selectors import property_companies
from kit import parameters
from kit.parameters import Parameter


@dataclass
class Override:
    company: PropertyCompany
    value: Any
    text: str


@dataclass
class ParameterRow:
    parameter: Parameter
    default: str
    platform: str | None  # None: not set, the default applies
    effective: str
    overrides: list[Override] = field(default_factory=list)


def _row(param: Parameter, values: dict, companies: dict[int, PropertyCompany]) -> ParameterRow:
    default = param.default_value()
    stored = values.get((param.key, None))
    platform = parameters.get(param.key) if stored is not None else None
    overrides = [
        Override(
            companies[company_id],
            value := parameters.get(param.key, company=company_id),
            parameters.display(param, value),
        )
        for (key, company_id), _text in values.items()
        if key == param.key and company_id is not None and company_id in companies
    ]
    overrides.sort(key=lambda o: o.company.name)
    return ParameterRow(
        parameter=param,
        default=parameters.display(param, default),
        platform=parameters.display(param, platform) if stored is not None else None,
        effective=parameters.display(param, parameters.get(param.key)),
        overrides=overrides if param.company_override else [],
    )


def _companies(values: dict) -> dict[int, PropertyCompany]:
    ids = {company_id for (_key, company_id) in values if company_id is not None}
    return {c.pk: c for c in property_companies().filter(pk__in=ids)} if ids else {}


def parameter_groups() -> list[tuple[str, list[ParameterRow]]]:
    """(module, rows) for the index: one query at most (the companies with overrides)."""
    values = parameters.stored_values()
    companies = _companies(values)
    return [
        (module, [_row(param, values, companies) for param in items])
        for module, items in parameters.grouped()
    ]


def parameter_row(key: str) -> ParameterRow:
    values = parameters.stored_values()
    return _row(parameters.parameter(key), values, _companies(values))


def companies_without_override(row: ParameterRow):
    return property_companies().exclude(pk__in=[o.company.pk for o in row.overrides])
