import django_filters
from django import forms


class StaffFilterSet(django_filters.FilterSet):
    """A FilterSet whose form wears Bootstrap classes, for the staff filter bar."""

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        return form
