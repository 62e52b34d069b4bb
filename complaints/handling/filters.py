"""The complaint queue's filters (the staff filter bar)."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.selectors import room_place
from staff.filtering import StaffFilterSet
from staff.models import StaffMember

from ..models import Complaint, ComplaintCategory, Department
from . import selectors

OPEN, ALL = "open", "all"
# Without these the queue shows the open complaints (the work to do); with any, every one.
NARROWING_FIELDS = ("q", "category", "department", "handler", "overdue", "channel", "unassigned")


def with_default_status(data: QueryDict) -> QueryDict:
    data = data.copy()
    if not data.get("status"):
        narrowed = any(data.get(name) for name in NARROWING_FIELDS)
        data["status"] = ALL if narrowed else OPEN
    return data


def _categories(request):
    return ComplaintCategory.objects.filter(community=request.community).order_by(
        "sort_order", "pk"
    )


def _departments(request):
    return Department.objects.filter(community=request.community).order_by("sort_order", "pk")


def _handlers(request):
    return selectors.handlers_in_queue(request.community)


class _HandlerField(forms.ModelChoiceField):
    def label_from_instance(self, member: StaffMember) -> str:
        return member.user.get_full_name()


class HandlerFilter(django_filters.ModelChoiceFilter):
    field_class = _HandlerField


class ComplaintFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Number, room, name, phone or words"), "type": "search"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open (awaiting staff)")), (ALL, _("All")), *Complaint.Status.choices],
        method="by_status",
        empty_label=None,
    )
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=_categories)
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=_departments)
    handler = HandlerFilter(label=_("Handled by"), queryset=_handlers)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Complaint.Channel.choices)
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"),
        method="only_overdue",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # Accepted but with nobody handling it (the home page's figure links here).
    unassigned = django_filters.BooleanFilter(
        label=_("Nobody handling only"),
        method="only_unassigned",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["empty_label"] = None  # "all" is a choice of its own

    class Meta:
        model = Complaint
        fields = [
            "q", "status", "category", "department", "handler", "channel", "overdue",
            "unassigned",
        ]  # fmt: skip

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.annotate(searched_place=room_place()).filter(
            Q(number__icontains=value)
            | Q(details__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(contact_phone__contains=value)
            | Q(searched_place__icontains=value)
            | Q(place__icontains=value)
        )

    def by_status(self, queryset, name, value):
        if value == OPEN:
            # The work to do, newest first (the queue index serves it).
            return queryset.filter(status__in=Complaint.OPEN_STATUSES)
        if value == ALL:
            # Everything: the ones staff still owe an answer first, then the newest.
            return queryset.order_by(selectors.open_first(), "-created_at", "-pk")
        return queryset.filter(status=value)

    def only_overdue(self, queryset, name, value):
        # The queue's queryset carries `is_overdue` (selectors.queue_complaints).
        return queryset.filter(is_overdue=1) if value else queryset

    def only_unassigned(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=Complaint.OPEN_STATUSES, handler__isnull=True).exclude(
            status=Complaint.Status.SUBMITTED
        )
