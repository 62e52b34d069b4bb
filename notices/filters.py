import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from staff.filtering import StaffFilterSet

from .models import Notice


class NoticeFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        field_name="title",
        lookup_expr="icontains",
        widget=forms.TextInput(attrs={"placeholder": _("Words in the title"), "type": "search"}),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Notice.Status.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Notice.Category.choices)

    class Meta:
        model = Notice
        fields = ["q", "status", "category"]
