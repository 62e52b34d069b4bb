"""Forms of the filing part: validation only. Counts and sizes of photos are checked here so a
refusal lands at the field; the service re-encodes them (kit.uploads)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Community, Residency, Room, User
from kit import images, uploads
from kit.forms import MultipleFileField, MultipleFileInput

from ..models import Complaint, ComplaintCategory
from . import selectors

PLACE_ELSEWHERE = "place"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ComplaintCategory) -> str:
        return obj.name


def clean_photo_list(photos: list) -> list:
    if len(photos) > (most := uploads.photo_limit()):
        raise ValidationError(_("At most %(count)d photos, please.") % {"count": most})
    limit = images.MAX_UPLOAD_BYTES
    for photo in photos:
        if photo.size > limit:
            raise ValidationError(
                _("%(name)s is too large (at most %(size)d MB). Please choose a smaller one.")
                % {"name": photo.name, "size": max(1, limit // (1024 * 1024))}
            )
    return photos


def clean_phone(value: str) -> str:
    phone = value.strip()
    if not PHONE_RE.match(phone):
        raise ValidationError(_("Please enter a phone number we can call."))
    return phone


class ComplaintForm(forms.Form):
    """CMP-1 for one community: `residencies` are the user's verified residencies there."""

    category = CategoryChoiceField(
        label=_("What is it about?"),
        queryset=ComplaintCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": pgettext_lazy("complaint", "Please choose a category."),
            "invalid_choice": pgettext_lazy(
                "complaint", "Please choose one of the categories offered."
            ),
        },
    )
    where = forms.ChoiceField(
        label=pgettext_lazy("complaint", "Where?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please say where it is."),
            "invalid_choice": _("Please choose one of your rooms or a place in the community."),
        },
    )
    place = forms.CharField(
        label=_("Where in the community"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 东门, 3栋 lobby, car park B2")}),
    )
    about_neighbour = forms.BooleanField(label=_("It is about a neighbour"), required=False)
    neighbour_building = forms.CharField(
        label=_("Neighbour's building"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3栋")}),
    )
    neighbour_number = forms.CharField(
        label=_("Neighbour's room"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1101 or 2单元1101")}),
    )
    details = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _(
                    "What happened, where and since when? e.g. 楼上每晚 11 点后有很大的拖动家具声。"
                ),
            }
        ),
        error_messages={"required": _("Please describe what happened.")},
    )
    wanted_outcome = forms.CharField(
        label=_("What would you like us to do?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. 请物业上门沟通，晚上 10 点后保持安静。")}
        ),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
    )
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=50,
        error_messages={"required": _("Please give a contact person.")},
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Please enter a phone number we can call.")},
    )

    def __init__(
        self, *args, user: User, community: Community, residencies: list[Residency], **kwargs
    ):
        kwargs.setdefault(
            "initial",
            {
                "contact_name": user.get_full_name(),
                "contact_phone": user.mobile,
                "where": str(residencies[0].pk) if len(residencies) == 1 else None,
            },
        )
        super().__init__(*args, **kwargs)
        self.community = community
        self.residencies = {str(r.pk): r for r in residencies}
        self.fields["category"].queryset = selectors.categories_for(community)
        self.fields["where"].choices = [
            *((str(r.pk), r.room.label) for r in residencies),
            (PLACE_ELSEWHERE, _("Somewhere in the community")),
        ]
        self.neighbour_room: Room | None = None

    def clean_photos(self):
        return clean_photo_list(self.cleaned_data["photos"])

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data["contact_phone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("where") == PLACE_ELSEWHERE and not (cleaned.get("place") or "").strip():
            self.add_error("place", _("Please say where in the community it is."))
        category = cleaned.get("category")
        about = cleaned.get("about_neighbour") or (
            category is not None and category.about_neighbours
        )
        cleaned["about_neighbour"] = bool(about)
        if about:
            self._clean_neighbour(cleaned)
        return cleaned

    def _clean_neighbour(self, cleaned: dict) -> None:
        building = (cleaned.get("neighbour_building") or "").strip()
        number = (cleaned.get("neighbour_number") or "").strip()
        if not building or not number:
            self.add_error(
                "neighbour_number", _("Please give the building and room of the neighbour.")
            )
            return
        rooms = selectors.neighbour_rooms(self.community, building, number)
        if not rooms:
            self.add_error(
                "neighbour_number",
                _("We cannot find room %(room)s in building %(building)s of this community. "
                  "Please check the building and room number.")
                % {"room": number, "building": building},
            )  # fmt: skip
        elif len(rooms) > 1:
            self.add_error(
                "neighbour_number",
                _("Several rooms have this number: please add the unit, e.g. 2单元1101."),
            )
        elif any(r.room_id == rooms[0].pk for r in self.residencies.values()):
            self.add_error(
                "neighbour_number", _("This is your own room: please give the neighbour's.")
            )
        else:
            self.neighbour_room = rooms[0]

    @property
    def files_were_sent(self) -> bool:
        return bool(self.files.getlist("photos"))

    def complaint_arguments(self) -> dict:
        """Keyword arguments for services.complaint_file from the cleaned data."""
        data = self.cleaned_data
        in_room = data["where"] != PLACE_ELSEWHERE
        # A place in the community is filed through any of the user's residencies there.
        residency = (
            self.residencies[data["where"]] if in_room else next(iter(self.residencies.values()))
        )
        return {
            "residency": residency,
            "category": data["category"],
            "in_room": in_room,
            "place": "" if in_room else data["place"],
            "about_neighbour": data["about_neighbour"],
            "neighbour_room": self.neighbour_room,
            "details": data["details"],
            "wanted_outcome": data["wanted_outcome"],
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "photos": data["photos"],
        }


class ReasonForm(forms.Form):
    """Returning a reply or withdrawing a complaint: a reason the staff read."""

    reason = forms.CharField(
        label=_("Why?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give a reason.")},
    )


class WithdrawForm(ReasonForm):
    reason = forms.CharField(
        label=_("Why do you withdraw it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("e.g. 已经和邻居沟通好了")}),
        error_messages={"required": _("Please give a reason.")},
    )


STAR_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class RatingForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please give 1 to 5 stars."),
            "invalid_choice": _("Please give 1 to 5 stars."),
        },
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("How was it handled? Anything we should know?")}
        ),
    )


# --- Staff: logging a complaint on a resident's behalf ---------------------------------------------


class DeskForm(forms.Form):
    """Bootstrap classes on the widgets, so the templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput
            ):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class RoomFindForm(DeskForm):
    """Find the room: a building and its room number (as people say it)."""

    building = forms.ModelChoiceField(
        label=_("Building"), queryset=None, required=False, empty_label=_("All buildings")
    )
    q = forms.CharField(
        label=_("Room"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 1201 or 3栋2单元1201"), "autofocus": True}
        ),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = community.buildings.order_by("sort_order", "name")

    def clean(self):
        data = super().clean()
        if not data.get("building") and not (data.get("q") or "").strip():
            raise ValidationError(_("Choose a building or type a room."))
        return data


class LoggedComplaintForm(DeskForm):
    reporter = forms.TypedChoiceField(
        label=_("Who complained"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose who complained from the list."),
            "invalid_choice": _("Please choose who complained from the list."),
        },
    )
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[(c.value, c.label) for c in Complaint.Channel if c != Complaint.Channel.APP],
        initial=Complaint.Channel.PHONE,
        error_messages={"required": _("Please choose how the complaint came in.")},
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=ComplaintCategory.objects.none(),
        empty_label=None,
        error_messages={
            "required": pgettext_lazy("complaint", "Please choose a category."),
            "invalid_choice": pgettext_lazy(
                "complaint", "Please choose one of the categories offered."
            ),
        },
    )
    elsewhere = forms.BooleanField(label=_("About a place in the community, not the room"),
                                   required=False)  # fmt: skip
    place = forms.CharField(label=_("Where in the community"), max_length=60, required=False)
    details = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please describe what happened.")},
    )
    wanted_outcome = forms.CharField(
        label=_("Outcome wanted"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
    )
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=50,
        error_messages={"required": _("Please give a contact person.")},
    )  # fmt: skip
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Please enter a phone number we can call.")},
    )  # fmt: skip

    def __init__(self, *args, community: Community, people: list[Residency], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {r.user_id: r.user for r in people}
        self.fields["reporter"].choices = [
            (r.user_id, f"{r.user.get_full_name()} · {r.get_relation_display()}") for r in people
        ]
        self.fields["category"].queryset = selectors.categories_for(community)

    def clean_photos(self):
        return clean_photo_list(self.cleaned_data["photos"])

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data["contact_phone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("elsewhere") and not (cleaned.get("place") or "").strip():
            self.add_error("place", _("Please say where in the community it is."))
        return cleaned

    def complaint_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "reporter": self.people[data["reporter"]],
            "channel": data["channel"],
            "category": data["category"],
            "in_room": not data["elsewhere"],
            "place": data["place"] if data["elsewhere"] else "",
            "details": data["details"],
            "wanted_outcome": data["wanted_outcome"],
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "photos": data["photos"],
        }
