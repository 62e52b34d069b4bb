"""The operators' admin is Chinese throughout (X-2): every model's name, every field's label,
every column header and every filter title of every registered admin, ours and the third
parties' (django-axes, allauth, django-celery-beat …), and the pages as rendered."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.contenttypes.fields import GenericForeignKey
from django.urls import reverse
from django.utils import translation

CJK = re.compile(r"[\u3400-\u9fff]")
# Terms people in a Chinese office write in Latin letters; alone they are still English.
ALLOWED = {"ID", "URL", "IP", "SMS", "API", "POS", "PDF", "Excel", "WeChat", "JSON", "E-mail"}


def english(text) -> bool:
    """Text with Latin letters and no Chinese (the allow-listed terms alone pass)."""
    text = str(text).strip().rstrip(":：")
    if not text or CJK.search(text) or text in ALLOWED:
        return False
    return bool(re.search(r"[A-Za-z]", text))


def _admins():
    return sorted(
        admin.site._registry.items(), key=lambda item: (item[0]._meta.label, type(item[1]).__name__)
    )


def _request(rf, operator, path="/admin/"):
    request = rf.get(path)
    request.user = operator
    request.session = {}
    return request


@pytest.mark.req("X-2")
def test_every_admin_name_label_column_and_filter_is_chinese(rf, operator):
    found = []
    with translation.override("zh-hans"):
        for model, model_admin in _admins():
            name = model._meta.label
            opts = model._meta
            if english(opts.app_config.verbose_name):
                found.append(f"{name}: app name {opts.app_config.verbose_name!r}")
            for word in (opts.verbose_name, opts.verbose_name_plural):
                if english(word):
                    found.append(f"{name}: model name {word!r}")
            for field in opts.get_fields():
                if (field.auto_created and not field.concrete) or field.name == "id":
                    continue
                if isinstance(field, GenericForeignKey):
                    continue
                if english(field.verbose_name):
                    found.append(f"{name}.{field.name}: label {field.verbose_name!r}")
            request = _request(rf, operator)
            for column in model_admin.get_list_display(request):
                if column in ("__str__", "action_checkbox"):
                    continue
                header = label_for_field(column, model, model_admin)
                if english(header):
                    found.append(f"{name}: column {column!r} is {header!r}")
            changelist = model_admin.get_changelist_instance(
                _request(
                    rf, operator, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                )
            )
            for spec in changelist.filter_specs:
                if english(spec.title):
                    found.append(f"{name}: filter {spec.title!r}")
    assert found == [], "\n".join(found)


class _Headings(HTMLParser):
    """The text of column headers, filter titles, labels, legends and headings of a page (not
    the rows' own first cells, which are data)."""

    WATCHED = {"th", "label", "h1", "h2", "h3", "legend", "summary"}

    def __init__(self):
        super().__init__()
        self.open: list[list[str]] = []
        self.texts: list[str] = []
        self.in_body = 0

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body += 1
        if tag in self.WATCHED and not (tag == "th" and self.in_body):
            self.open.append([])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body -= 1
        if tag in self.WATCHED and self.open and not (tag == "th" and self.in_body):
            self.texts.append(" ".join("".join(self.open.pop()).split()))

    def handle_data(self, data):
        if self.open:
            self.open[-1].append(data)


@pytest.mark.sweep
@pytest.mark.req("X-2")
def test_every_admin_list_and_form_reads_in_chinese(client_for, operator, manager, room, rf):
    """Each changelist and add form, and the change form of the first row where there is
    one, as the operator sees them."""
    client = client_for(operator)
    request = _request(rf, operator)
    found, visited = [], 0
    for model, model_admin in _admins():
        info = (model._meta.app_label, model._meta.model_name)
        paths = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        data = {str(first)} if first is not None else set()  # the row's name is data
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            page = _Headings()
            page.feed(response.content.decode())
            found += [
                f"{path}: {text!r}" for text in page.texts if english(text) and text not in data
            ]
            visited += 1
    assert visited > 60
    assert found == [], "\n".join(sorted(set(found)))
