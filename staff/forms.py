"""Forms of the staff portal: the team, a resident's contacts, rejecting a room binding,
move-out and Excel uploads."""

import re

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.auth_forms import CodeField, incorrect_code_error
from accounts.forms import MobileNumberField
from accounts.models import Community, User
from accounts.selectors import has_verified_email
from kit import spreadsheets

from .resources import read_upload


class StaffMemberChangeForm(forms.Form):
    """The colleague's position in each community the manager may change it in: one field
    `position_<community id>` each, empty for "does not serve here"."""

    employee_number = forms.CharField(label=_("Employee number"), max_length=30, required=False)

    def __init__(self, *args, editable: list[tuple[Community, list[Group]]], **kwargs):
        """`editable`: each community with the positions the manager may give there."""
        super().__init__(*args, **kwargs)
        self.communities = {}
        fields = {}
        for community, positions in editable:
            name = f"position_{community.pk}"
            self.communities[name] = community
            fields[name] = forms.ModelChoiceField(
                label=_("Position in %(community)s") % {"community": community.name},
                queryset=Group.objects.filter(pk__in=[p.pk for p in positions]).order_by("name"),
                required=False,
                empty_label=_("Does not serve here"),
            )
        self.fields = fields | dict(self.fields)

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["positions"] = {
            community: cleaned.get(name) for name, community in self.communities.items()
        }
        return cleaned


class StaffMemberAddForm(forms.Form):
    """An invitation: the number's owner accepts it (staff.services.staff_invitation_send)."""

    mobile = MobileNumberField()
    display_name = forms.CharField(
        label=_("Name"),
        max_length=50,
        required=False,
        help_text=_(
            "Shown in your list of invitations; an account that already has a name keeps it."
        ),
    )
    position = forms.ModelChoiceField(label=_("Position"), queryset=None, empty_label=None)
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities served"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    employee_number = forms.CharField(label=_("Employee number"), max_length=30, required=False)

    def __init__(self, *args, positions, communities, **kwargs):
        """`positions`: the groups the manager may hand out; `communities`: those where they
        manage the staff. The position is held in each community chosen."""
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = positions
        self.fields["communities"].queryset = communities


class StaffInvitationAcceptForm(forms.Form):
    """The code texted to the invitee's own number (the logged-in account's)."""

    code = CodeField()

    def __init__(self, *args, request: HttpRequest, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not otp.verify(
            self.request,
            purpose=otp.Purpose.STAFF_INVITATION,
            phone=self.request.user.mobile,
            code=code,
        ):
            raise incorrect_code_error()
        return code


class ResidentContactsForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=50)
    backup_phone = forms.CharField(
        label=_("Backup phone"),
        max_length=30,
        required=False,
        validators=[
            RegexValidator(
                re.compile(r"^[0-9+\-() #]+$"),
                _("A phone number may contain digits, spaces and + - ( ) # only."),
            )
        ],
        help_text=_("Another number to reach this person, e.g. a landline."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, person: User, **kwargs):
        self.person = person
        kwargs.setdefault(
            "initial",
            {
                "display_name": person.display_name,
                "backup_phone": person.backup_phone,
                "email": person.email,
            },
        )
        super().__init__(*args, **kwargs)
        if has_verified_email(person):
            # The resident's recovery channel: shown, never changed or removed by staff.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _(
                "This e-mail address is verified; only the resident can change it."
            )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email and User.objects.filter(email__iexact=email).exclude(pk=self.person.pk).exists():
            raise ValidationError(_("Another account already uses this e-mail address."))
        return email


class RejectResidencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the name does not match the deed")}),
    )


class ResidencyEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for moving out"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. sold the flat, lease ended")}),
    )


class SheetUploadForm(forms.Form):
    """An .xlsx or .csv file, read at once: `self.spreadsheet` holds its rows when the form
    is valid."""

    sheet = spreadsheets.SheetField()

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        self.spreadsheet = None
        self.content = b""
        super().__init__(*args, **kwargs)

    def clean_sheet(self):
        upload = self.cleaned_data["sheet"]
        self.content = upload.read()
        self.spreadsheet = read_upload(self.content, self.kind, upload.name)
        return upload
