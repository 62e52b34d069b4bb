import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

# The room page's "全部" links: any staff list of things with a `room` shows one room's
# with ?room_id=<id> (the list's queryset is already the community's, so another community's
# room finds nothing).
ROOM_PARAMETER = "room_id"


# A filter bar's date range: `<name>_from` and `<name>_until` (or `_after`/`_before`).
RANGE_ENDS = (("_from", "_until"), ("_after", "_before"))


def date_ranges(names) -> list[tuple[str, str]]:
    """The (from, until) pairs among a filter set's field names."""
    names = list(names)
    return [
        (name, name[: -len(first)] + last)
        for name in names
        for first, last in RANGE_ENDS
        if name.endswith(first) and name[: -len(first)] + last in names
    ]


class DateRangeForm(forms.Form):
    """Refuses a range whose start is after its end, at the end field (the input is kept)."""

    date_ranges: list[tuple[str, str]] = []

    def clean(self):
        cleaned = super().clean()
        for start_name, end_name in self.date_ranges:
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start and end and start > end:
                self.add_error(
                    end_name,
                    _("“%(until)s” cannot be before “%(from)s”; please correct the range.")
                    % {"until": self.fields[end_name].label, "from": self.fields[start_name].label},
                )
        return cleaned


def _html_attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: True as the bare name, False left out."""
    return mark_safe(  # noqa: S308 (each attribute is escaped by format_html)
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class QuickSelect(forms.Select):
    """A select drawn in Python, as Django's templates draw it. Django renders two templates
    for every option: the building filter of a 150-building community drew 450 of them on each
    list page, a third of the residents list's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _html_attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _html_attrs(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part is escaped by format_html)


class StaffFilterSet(django_filters.FilterSet):
    """A FilterSet whose form wears Bootstrap classes, for the staff filter bar; a date range
    in it (`*_from` and `*_until`) is refused when it runs backwards, and lists of things with
    a room also take `?room_id=` (ROOM_PARAMETER)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                filter_.extra["empty_label"] = _("All")

    def get_form_class(self):
        form_class = super().get_form_class()
        ranges = date_ranges(self.filters)
        if not ranges:
            return form_class
        return type(form_class.__name__, (DateRangeForm, form_class), {"date_ranges": ranges})

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if type(field.widget) is forms.Select:
                # The same widget, drawn without a template per option.
                field.widget.__class__ = QuickSelect
        return form

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        room_id = str((self.data or {}).get(ROOM_PARAMETER, "")).strip()
        if room_id.isdigit() and len(room_id) < 12 and _has_room(queryset.model):
            queryset = queryset.filter(room_id=int(room_id))
        return queryset


def _has_room(model) -> bool:
    try:
        field = model._meta.get_field("room")
    except FieldDoesNotExist:
        return False
    return field.many_to_one
