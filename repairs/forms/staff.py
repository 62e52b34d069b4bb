"""Forms of the service desk: dispatch, cancel, and the community's categories and time slots.
Validation only; the changes are made by repairs.services."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from staff.models import StaffMember

from ..models import CATEGORY_ICONS, RepairCategory, TimeSlot


class TechnicianChoiceField(forms.ModelChoiceField):
    """Each technician with the jobs they have open now (annotated `open_jobs`)."""

    def label_from_instance(self, member: StaffMember) -> str:
        return _("%(name)s · %(count)s open jobs") % {
            "name": member.user.get_full_name(),
            "count": getattr(member, "open_jobs", 0),
        }


class AssignForm(forms.Form):
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=StaffMember.objects.none(),
        empty_label=_("Choose a technician"),
        error_messages={
            "required": _("Please choose a technician."),
            "invalid_choice": _("Choose a technician who works in this community."),
        },
    )
    note = forms.CharField(
        label=_("Note for the technician"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Optional, e.g. bring a ladder")}),
    )

    def __init__(self, *args, technicians: QuerySet[StaffMember], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. duplicate report, resident fixed it")}
        ),
        error_messages={"required": _("Please give a reason for cancelling.")},
    )


class CategoryForm(forms.ModelForm):
    # Shown as a row of icon buttons (staff/repairs/category_form.html).
    icon = forms.ChoiceField(
        label=_("Icon"),
        choices=CATEGORY_ICONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an icon.")},
    )

    class Meta:
        model = RepairCategory
        fields = [
            "name",
            "icon",
            "hint",
            "accept_within_minutes",
            "finish_within_hours",
            "sort_order",
            "is_active",
        ]
        help_texts = {
            "accept_within_minutes": _(
                "An order not accepted within this time is flagged and reported to the manager."
            ),
            "finish_within_hours": _(
                "Counted from the report; applies to orders reported after the change."
            ),
            "sort_order": _("Smaller numbers come first in the residents' list."),
            "is_active": _("Switched-off categories are no longer offered; their orders are kept."),
        }
        error_messages = {
            "name": {"required": _("Please give the category a name.")},
            "accept_within_minutes": {
                "required": _("Please say within how many minutes an order must be accepted."),
                "min_value": _("At least 1 minute."),
                "max_value": _("At most 7 days (10080 minutes)."),
            },
            "finish_within_hours": {
                "required": _("Please say within how many hours an order must be finished."),
                "min_value": _("At least 1 hour."),
                "max_value": _("At most 30 days (720 hours)."),
            },
        }


# Orders one slot of a day may take: beyond this a community's capacity is a typing slip.
MAX_SLOT_CAPACITY = 200


class SlotForm(forms.ModelForm):
    """A repair time slot: it ends after it starts, takes 1 to MAX_SLOT_CAPACITY orders (or no
    limit), and does not overlap another slot in use in the community."""

    class Meta:
        model = TimeSlot
        fields = ["start", "end", "capacity", "is_active"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "capacity": forms.NumberInput(attrs={"min": 1, "max": MAX_SLOT_CAPACITY}),
        }
        help_texts = {"is_active": _("Switched-off slots are no longer offered to residents.")}
        error_messages = {
            "start": {
                "required": _("Please give the start time."),
                "invalid": _("Enter a time such as 09:00."),
            },
            "end": {
                "required": _("Please give the end time."),
                "invalid": _("Enter a time such as 12:00."),
            },
        }

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(_("Leave empty for no limit, or enter at least 1."))
        if capacity is not None and capacity > MAX_SLOT_CAPACITY:
            raise forms.ValidationError(
                _("At most %(max)d orders per slot; leave empty for no limit.")
                % {"max": MAX_SLOT_CAPACITY}
            )
        return capacity

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end time must be later than the start time."))
        elif start and end and cleaned.get("is_active", True):
            community = cleaned.get("community") or self.instance.community_id
            self._check_overlap(community, start, end)
        return cleaned

    def _check_overlap(self, community, start, end) -> None:
        if community is None:
            return
        overlapping = (
            TimeSlot.objects.filter(
                community=community, is_active=True, start__lt=end, end__gt=start
            )
            .exclude(pk=self.instance.pk)
            .order_by("start")
            .first()
        )
        if overlapping is not None:
            self.add_error(
                "start",
                _(
                    "This slot overlaps the slot %(slot)s already in use; change the times, or "
                    "switch that slot off first."
                )
                % {"slot": overlapping},
            )
