import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Building
from accounts.selectors import room_place
from staff.filtering import StaffFilterSet
from staff.models import StaffMember

from . import selectors
from .models import RepairCategory, RepairOrder


def _categories(request):
    return RepairCategory.objects.filter(community=request.community).order_by("sort_order", "pk")


def _buildings(request):
    return Building.objects.filter(community=request.community).order_by("sort_order", "name")


def _technicians(request):
    # The community's technicians and anyone who has had an order here: a technician who has
    # left must still be findable.
    community = request.community
    return (
        StaffMember.objects.filter(
            Q(pk__in=selectors.technicians_of(community).order_by().values("pk"))
            | Q(pk__in=selectors.technicians_who_worked_in(community))
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


class _TechnicianField(forms.ModelChoiceField):
    def label_from_instance(self, member: StaffMember) -> str:
        return member.user.get_full_name()


class TechnicianFilter(django_filters.ModelChoiceFilter):
    field_class = _TechnicianField


OPEN, ALL = "open", "all"
# Without these the queue shows the open orders (the work to do); with any, every order.
NARROWING_FIELDS = ("q", "category", "building", "technician", "reported_from",
                    "reported_until", "overdue", "channel", "callback", "unassigned")  # fmt: skip
CALLBACK_PENDING, CALLBACK_DONE = "pending", "done"


def with_default_status(data: QueryDict) -> QueryDict:
    data = data.copy()
    if not data.get("status"):
        narrowed = any(data.get(name) for name in NARROWING_FIELDS)
        data["status"] = ALL if narrowed else OPEN
    return data


class RepairOrderFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Order number, room or phone"), "type": "search"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open (not closed)")), (ALL, _("All")), *RepairOrder.Status.choices],
        method="by_status",
        empty_label=None,
    )
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=_categories)
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), field_name="room__building", queryset=_buildings
    )
    technician = TechnicianFilter(label=_("Technician"), queryset=_technicians)
    reported_from = django_filters.DateFilter(
        label=_("Reported from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reported_until = django_filters.DateFilter(
        label=_("Reported until"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=RepairOrder.Channel.choices, empty_label=_("All channels")
    )
    callback = django_filters.ChoiceFilter(
        label=_("Call-back"),
        choices=[(CALLBACK_PENDING, _("To call back")), (CALLBACK_DONE, _("Called back"))],
        method="by_callback",
        empty_label=_("Any"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"),
        method="only_overdue",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # Accepted but not dispatched to a technician yet (the home page's figure links here).
    unassigned = django_filters.BooleanFilter(
        label=_("Not dispatched only"),
        method="only_unassigned",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["empty_label"] = None  # "all" is a choice of its own

    class Meta:
        model = RepairOrder
        fields = [
            "q",
            "status",
            "category",
            "building",
            "technician",
            "reported_from",
            "reported_until",
            "channel",
            "callback",
            "overdue",
            "unassigned",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        place = room_place()
        return queryset.annotate(searched_place=place).filter(
            Q(number__icontains=value)
            | Q(contact_phone__contains=value)
            | Q(contact_name__icontains=value)
            | Q(searched_place__icontains=value)
            | Q(public_area__icontains=value)
        )

    def by_status(self, queryset, name, value):
        if value == OPEN:
            # The work to do: overdue first, then awaiting acceptance (repairs.board).
            return queryset.filter(status__in=RepairOrder.OPEN_STATUSES).order_by(
                "queue_rank", "-created_at", "-pk"
            )
        # Everything (or one status): newest first, which an index serves without sorting
        # the community's whole history.
        if value != ALL:
            queryset = queryset.filter(status=value)
        return queryset.order_by("-created_at", "-pk")

    def by_callback(self, queryset, name, value):
        """待回访: completed orders nobody has reached on a call-back yet."""
        reached = selectors.reached_callbacks().values("order_id")
        if value == CALLBACK_PENDING:
            return queryset.filter(status=RepairOrder.Status.COMPLETED).exclude(pk__in=reached)
        if value == CALLBACK_DONE:
            return queryset.filter(pk__in=reached)
        return queryset

    def only_overdue(self, queryset, name, value):
        # The queue's queryset carries `is_overdue` (repairs.board.queue_orders).
        return queryset.filter(is_overdue=1) if value else queryset

    def only_unassigned(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            status__in=RepairOrder.OPEN_STATUSES,
            technician__isnull=True,
        ).exclude(status=RepairOrder.Status.PENDING)
