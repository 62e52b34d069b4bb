"""The filter bars of the residents and rooms lists."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Building, Residency, Room
from accounts.selectors import room_place, rooms_lived_in

from .filtering import StaffFilterSet


def _search_box(placeholder):
    return forms.TextInput(attrs={"placeholder": placeholder, "type": "search"})


class ResidencyFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=_search_box(_("Name, mobile or room number")),
    )
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), field_name="room__building", queryset=Building.objects.none()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Residency.Status.choices)
    relation = django_filters.ChoiceFilter(label=_("Relation"), choices=Residency.Relation.choices)

    class Meta:
        model = Residency
        fields = ["q", "building", "status", "relation"]

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["building"].queryset = Building.objects.filter(community=community)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Name, part of the mobile number, or the room as people write it: 1201, 3栋1201,
        3栋2单元1201 (spaces ignored)."""
        value = value.strip()
        if not value:
            return queryset
        compact = "".join(value.split())
        return queryset.annotate(room_label=room_place()).filter(
            Q(user__display_name__icontains=value)
            | Q(user__mobile__contains=compact)
            | Q(room_label__icontains=compact)
        )


class RoomFilter(StaffFilterSet):
    OCCUPANCY = [("occupied", _("Occupied")), ("vacant", _("No verified resident"))]

    q = django_filters.CharFilter(
        label=_("Room number"),
        field_name="number",
        lookup_expr="icontains",
        widget=_search_box(_("e.g. 1201")),
    )
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), queryset=Building.objects.none()
    )
    use = django_filters.ChoiceFilter(label=_("Use"), choices=Room.Use.choices)
    occupancy = django_filters.ChoiceFilter(
        label=_("Occupancy status"), choices=OCCUPANCY, method="filter_occupancy"
    )

    class Meta:
        model = Room
        fields = ["q", "building", "use", "occupancy"]

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["building"].queryset = Building.objects.filter(community=community)

    def filter_occupancy(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("occupied", "vacant"):
            return rooms_lived_in(queryset, occupied=value == "occupied")
        return queryset
