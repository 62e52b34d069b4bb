"""Forms of the staff portal: the team, a resident's contacts, rejecting a room binding,
move-out, a room and Excel uploads."""

import re
from decimal import Decimal

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.auth_forms import CodeField, incorrect_code_error
from accounts.forms import MobileNumberField
from accounts.models import Building, Community, Room, Unit, User
from accounts.selectors import has_verified_email
from kit import spreadsheets

from .resources import MAX_FLOOR, read_upload


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
    """Move-out; when the room still owes (`debts`, see staff.rooms), also what becomes of
    its unpaid bills: they stay with the room, the household settles them at the counter
    first, or (with the waive permission) they are waived with a reason."""

    KEEP, COUNTER, WAIVE = "keep", "counter", "waive"

    reason = forms.CharField(
        label=_("Reason for moving out"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. sold the flat, lease ended")}),
    )
    bills = forms.ChoiceField(
        label=_("The room's unpaid bills"),
        widget=forms.RadioSelect,
        choices=[
            (KEEP, _("They stay with the room, for the next occupant or the owner to settle")),
            (COUNTER, _("Settle them at the counter first (the move-out waits)")),
            (WAIVE, _("Waive the unpaid bills, with a reason")),
        ],
        initial=KEEP,
    )
    waive_reason = forms.CharField(
        label=_("Reason for waiving"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. agreed with the owner at handover")}),
    )

    def __init__(self, *args, debts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if debts is None:
            del self.fields["bills"], self.fields["waive_reason"]
            return
        field = self.fields["bills"]
        if not debts.counter_url:
            field.choices = [c for c in field.choices if c[0] != self.COUNTER]
        if not (debts.can_waive and debts.waivable):
            field.choices = [c for c in field.choices if c[0] != self.WAIVE]
            del self.fields["waive_reason"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("bills") == self.WAIVE and not cleaned.get("waive_reason", "").strip():
            self.add_error("waive_reason", _("Please give a reason for waiving."))
        return cleaned


class RoomForm(forms.Form):
    """One room of the community, added or changed by hand (the import does many)."""

    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("No unit"),
        help_text=_("Leave empty for a building without units."),
    )
    number = forms.CharField(
        label=_("Room number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1201")}),
    )
    floor = forms.IntegerField(
        label=_("Floor"),
        min_value=-10,
        max_value=MAX_FLOOR,
        error_messages={
            "min_value": _("The floor must be between -10 and %(max)d.") % {"max": MAX_FLOOR},
            "max_value": _("The floor must be between -10 and %(max)d.") % {"max": MAX_FLOOR},
            "invalid": _("The floor must be a whole number, e.g. 12 or -1."),
        },
    )
    area = forms.DecimalField(
        label=_("Floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        required=False,
        error_messages={"invalid": _("The floor area must be a number of square metres.")},
    )
    use = forms.ChoiceField(label=_("Use"), choices=Room.Use.choices, initial=Room.Use.RESIDENTIAL)

    def __init__(self, *args, instance: Room | None, community: Community, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "building": instance.building_id,
                    "unit": instance.unit_id,
                    "number": instance.number,
                    "floor": instance.floor,
                    "area": instance.area,
                    "use": instance.use,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(community=community).order_by(
            "sort_order", "name"
        )
        self.fields["unit"].queryset = (
            Unit.objects.filter(building__community=community)
            .select_related("building")
            .order_by("building__sort_order", "building__name", "sort_order", "name")
        )
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.building.name} {unit.name}"

    def clean_number(self) -> str:
        number = "".join(self.cleaned_data["number"].split())
        if not number:
            raise ValidationError(_("Please enter the room number."))
        return number

    def clean_area(self):
        area = self.cleaned_data["area"]
        if area is not None and not Decimal("0.01") <= area < Decimal("1000000"):
            raise ValidationError(_("The floor area must be more than 0 and below 1000000."))
        return area

    def clean(self) -> dict:
        cleaned = super().clean()
        building, unit = cleaned.get("building"), cleaned.get("unit")
        if building and unit and unit.building_id != building.pk:
            self.add_error(
                "unit",
                _("Unit %(unit)s is not in %(building)s.")
                % {"unit": unit.name, "building": building.name},
            )
        floor = cleaned.get("floor")
        if building and building.floors and floor and floor > building.floors:
            self.add_error(
                "floor",
                _("%(building)s has %(floors)d floors above ground.")
                % {"building": building.name, "floors": building.floors},
            )
        return cleaned


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
