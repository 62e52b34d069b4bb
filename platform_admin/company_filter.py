"""Operators filter every admin list by property company as well as by community: each list
with a community filter gets a company filter beside it (LinliAdminSite.register adds it, so
no admin module has to remember)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Community, PropertyCompany


class CompanyFilter(admin.SimpleListFilter):
    """Rows whose community (at `community_path`) belongs to the chosen company."""

    title = _("property company")
    parameter_name = "company"
    community_path = "community"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            (str(pk), name)
            for pk, name in PropertyCompany.objects.order_by("name").values_list("pk", "name")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value or not str(value).isdigit():
            return queryset
        return queryset.filter(**{f"{self.community_path}__company": int(value)}).distinct()


def _filter_path(entry) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, tuple | list) and entry and isinstance(entry[0], str):
        return entry[0]
    return None


def _leads_to(model: type[Model], path: str, target: type[Model]) -> bool:
    try:
        fields = get_fields_from_path(model, path)
    except (FieldDoesNotExist, Exception):  # a SimpleListFilter's own parameter, a typo
        return False
    last = fields[-1] if fields else None
    return getattr(last, "related_model", None) is target


def community_path(model: type[Model], list_filter) -> str | None:
    """The path of the list's community filter, if it has one and no company filter yet."""
    paths = [path for path in map(_filter_path, list_filter) if path]
    if any(_leads_to(model, path, PropertyCompany) for path in paths):
        return None
    return next((path for path in paths if _leads_to(model, path, Community)), None)


def add_company_filter(model_admin: admin.ModelAdmin) -> None:
    """Put a company filter just before the community filter of `model_admin`'s list."""
    list_filter = list(model_admin.list_filter)
    path = community_path(model_admin.model, list_filter)
    if path is None:
        return
    at = [_filter_path(entry) for entry in list_filter].index(path)
    company_filter = type(
        "CompanyFilter", (CompanyFilter,), {"community_path": path, "__module__": __name__}
    )
    model_admin.list_filter = (*list_filter[:at], company_filter, *list_filter[at:])
