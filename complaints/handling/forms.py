"""The complaint desk's forms (validation only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import StaffMember

from ..models import Complaint, Department
from . import selectors


class _HandlerField(forms.ModelChoiceField):
    def label_from_instance(self, member: StaffMember) -> str:
        name = member.user.get_full_name()
        if getattr(member, "in_department", False):
            return _("%(name)s (of the department)") % {"name": name}
        return name


class RouteForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    handler = _HandlerField(label=_("Person"), queryset=StaffMember.objects.none(), required=False)
    note = forms.CharField(
        label=_("Note for them (staff only)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        community = complaint.community
        # The category's routing rule is the first suggestion; where it went last, after that.
        department = complaint.department or complaint.category.department
        handler = complaint.handler or complaint.category.handler
        self.fields["department"].queryset = selectors.departments_of(community)
        self.fields["handler"].queryset = selectors.handlers_for(community, department)
        self.fields["department"].empty_label = _("No department")
        self.fields["handler"].empty_label = _("Anyone of the department")
        self.initial.setdefault("department", department)
        self.initial.setdefault("handler", handler)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Result for the resident"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What was done and what the resident may expect; they may accept or return it."
        ),
    )
