"""The admin site of the platform operators, with the operators' own pages beside the models:
statistics, reports, backups and parameters. Each part registers its pages with
`register_page`; they are served under /admin/platform/<slug>/ through `admin_view`, so they
get the admin's login, the operators' second factor and the `admin:*` rule of the access
matrix, and the admin's index lists them in a section of their own (平台运营) above the models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class OperatorPage:
    """One operator page. `name` is the URL name inside the admin namespace (admin:<name>);
    `view(request, **kwargs)`; `route` is the path under /admin/platform/; pages with
    `in_menu=False` (a detail, a download, a POST action) are not listed on the index."""

    name: str
    route: str
    view: Callable
    title: str | Promise = ""
    order: int = 100
    in_menu: bool = True
    permission: str | None = None  # besides being an operator; None: every operator


PAGES: dict[str, OperatorPage] = {}


def register_page(page: OperatorPage) -> None:
    PAGES[page.name] = page


class LinliAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        from .company_filter import add_company_filter

        super().register(model_or_iterable, admin_class, **options)
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            if model in self._registry:  # not a swapped-out model (auth.User)
                add_company_filter(self._registry[model])

    def get_urls(self) -> list[URLPattern]:
        pages = sorted(PAGES.values(), key=lambda page: page.order)
        own = [
            path(f"platform/{page.route}", self.admin_view(self._guarded(page)), name=page.name)
            for page in pages
        ]
        return own + super().get_urls()

    def _guarded(self, page: OperatorPage) -> Callable:
        from django.core.exceptions import PermissionDenied

        def view(request: HttpRequest, **kwargs):
            if page.permission and not request.user.has_perm(page.permission):
                raise PermissionDenied
            request.current_app = self.name
            return page.view(request, **kwargs)

        view.__name__ = getattr(page.view, "__name__", page.name)
        view.__doc__ = page.view.__doc__
        return view

    def operator_pages(self, request: HttpRequest) -> list[dict]:
        return [
            {"title": page.title, "url": reverse(f"{self.name}:{page.name}"), "name": page.name}
            for page in sorted(PAGES.values(), key=lambda page: page.order)
            if page.in_menu and (not page.permission or request.user.has_perm(page.permission))
        ]

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["operator_pages"] = (
            self.operator_pages(request) if self.has_permission(request) else []
        )
        return context

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        if app_label:
            return app_list
        pages = self.operator_pages(request)
        if not pages:
            return app_list
        section = {
            "name": _("Platform operations"),
            "app_label": "platform_operations",
            "app_url": pages[0]["url"],
            "has_module_perms": True,
            "models": [
                {
                    "name": page["title"],
                    "object_name": page["name"],
                    "admin_url": page["url"],
                    "view_only": True,
                    "perms": {"view": True},
                }
                for page in pages
            ],
        }
        return [section, *app_list]
