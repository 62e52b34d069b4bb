import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

# The room page's "全部" links: any staff list of things with a `room` shows one room's
# with ?room_id=<id> (the list's queryset is already the community's, so another community's
# room finds nothing).
ROOM_PARAMETER = "room_id"


class StaffFilterSet(django_filters.FilterSet):
    """A FilterSet whose form wears Bootstrap classes, for the staff filter bar; lists of
    things with a room also take `?room_id=` (ROOM_PARAMETER)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                filter_.extra["empty_label"] = _("All")

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
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
