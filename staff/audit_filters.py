"""The filters of 操作日志: a date range (from after until is refused), the person, the action
(grouped by module) and words in the person's or the object's name."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.audit import actions_by_module
from kit.models import AuditEntry

from .filtering import StaffFilterSet


class AuditFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilter(StaffFilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"),
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    actor = django_filters.ModelChoiceFilter(
        label=pgettext_lazy("audit log", "Person"), queryset=get_user_model().objects.none()
    )
    action = django_filters.ChoiceFilter(label=pgettext_lazy("audit log", "Action"), choices=[])
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        widget=forms.TextInput(attrs={"placeholder": _("Person or object"), "type": "search"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["date_from", "date_to", "actor", "action", "q"]
        form = AuditFilterForm

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        # The staff who serve this community (residents are found by name in the search).
        self.filters["actor"].queryset = (
            get_user_model()
            .objects.filter(staff_member__communities=community)
            .distinct()
            .order_by("display_name", "pk")
        )
        self.filters["action"].extra["choices"] = actions_by_module

    def filter_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(actor_label__icontains=value) | Q(target_label__icontains=value))
