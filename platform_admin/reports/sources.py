"""Where the reports get their figures: the one place that calls the statistics parts'
selectors (usage: PSTA-1, business: PSTA-2). Imported lazily, so that the reports part loads
whichever of them is installed, and tests can stand in for both here."""

from __future__ import annotations

from importlib import import_module

from platform_admin.scope import Period, Scope

from .findings import ScopeFigures


def _selector(part: str, name: str):
    return getattr(import_module(f"platform_admin.{part}.selectors"), name)


def figures_of(scope: Scope, period: Period) -> ScopeFigures:
    communities = scope.communities()
    return ScopeFigures(
        usage=_selector("usage", "usage_figures")(communities, period),
        business=_selector("business", "business_figures")(communities, period),
    )


def figures_for(scope: Scope, period: Period) -> tuple[ScopeFigures, ScopeFigures]:
    """The scope's figures for `period` and for the period just before it."""
    return figures_of(scope, period), figures_of(scope, period.previous())
