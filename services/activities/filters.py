"""Filters of the staff activity pages (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Building
from accounts.selectors import room_place
from staff.filtering import StaffFilterSet

from ..models import Activity, ActivitySignup
from ..workday import week_of


class ActivityFilter(StaffFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Activity.Status.choices)
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[
            ("week", _("Starting this week")),
            ("upcoming", _("Not over yet")),
            ("past", _("Past")),
        ],
        method="filter_when",
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")

    class Meta:
        model = Activity
        fields = ["status", "when", "q"]

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "week":
            start, end = week_of(now)
            return queryset.filter(starts_at__gte=start, starts_at__lt=end)
        if value == "upcoming":
            return queryset.filter(ends_at__gte=now)
        if value == "past":
            return queryset.filter(ends_at__lt=now)
        return queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(place__icontains=value))


def _buildings(request):
    if request is None:
        return Building.objects.none()
    return Building.objects.filter(community=request.community).order_by("sort_order", "name")


class SignupFilter(StaffFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActivitySignup.Status.choices)
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), queryset=_buildings, field_name="household__room__building"
    )
    q = django_filters.CharFilter(label=_("Room or name"), method="filter_q")

    class Meta:
        model = ActivitySignup
        fields = ["status", "building", "q"]

    def filter_q(self, queryset, name, value):
        value = value.strip().replace(" ", "")
        if not value:
            return queryset
        return (
            queryset.annotate(place=room_place("household__room__"))
            .filter(
                Q(place__icontains=value)
                | Q(user__display_name__icontains=value)
                | Q(user__mobile__contains=value)
                | Q(participants__name__icontains=value)
            )
            .distinct()
        )
