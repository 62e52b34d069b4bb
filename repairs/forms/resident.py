"""Forms of the resident's repair pages: reporting a fault, cancelling, rating.

The report form checks what is cheap to check (counts, sizes, the first bytes of a video) so
that a refusal lands at the right field; photos are re-encoded once, by the service."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Community, Residency, User
from kit import images, uploads
from kit.forms import MultipleFileField, MultipleFileInput

from .. import selectors, services
from ..models import RepairCategory, TimeSlot

PUBLIC_AREA = "public"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RepairCategory) -> str:
        return obj.name


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TimeSlot) -> str:
        return f"{obj.start:%H:%M}–{obj.end:%H:%M}"


def day_label(day: dt.date, today: dt.date) -> str:
    """今天 / 明天 / 星期五, then the date: what a phone's date picker would say."""
    if day == today:
        name = _("Today")
    elif day == today + dt.timedelta(days=1):
        name = _("Tomorrow")
    else:
        name = formats.date_format(day, "l")
    return f"{name} {formats.date_format(day, 'MONTH_DAY_FORMAT')}"


class RepairReportForm(forms.Form):
    """REP-1…REP-4 for one community: `residencies` are the reporter's verified residencies
    there (the rooms they may report for); categories and slots are that community's."""

    category = CategoryChoiceField(
        label=_("What is broken?"),
        queryset=RepairCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Please choose a category."),
            "invalid_choice": _("Please choose one of the categories offered."),
        },
    )
    place = forms.ChoiceField(
        label=_("Where?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please say where the fault is."),
            "invalid_choice": _("Please choose one of your rooms or the public area."),
        },
    )
    public_area = forms.CharField(
        label=_("Where in the community"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3栋 lobby, east gate, car park B2")}),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=1000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _(
                    "What happened, and since when? e.g. 卫生间水管接头漏水，昨晚开始，地面有积水。"
                ),
            }
        ),
        error_messages={"required": _("Please describe the fault.")},
    )
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
    )
    videos = MultipleFileField(
        label=_("Videos"),
        widget=MultipleFileInput(
            attrs={"multiple": True, "accept": "video/mp4,video/quicktime,video/webm,video/*"}
        ),
    )
    day = forms.ChoiceField(
        label=_("Preferred day"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a day."),
            "invalid_choice": _("Please choose a day within the next 7 days."),
        },
    )
    slot = SlotChoiceField(
        label=_("Time"),
        queryset=TimeSlot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Please choose a time slot."),
            "invalid_choice": _("Please choose one of the time slots offered."),
        },
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(
        self,
        *args,
        user: User,
        community: Community,
        residencies: list[Residency],
        **kwargs,
    ):
        kwargs.setdefault(
            "initial",
            {
                "contact_name": user.get_full_name(),
                "contact_phone": user.mobile,
                "place": str(residencies[0].pk) if len(residencies) == 1 else None,
            },
        )
        super().__init__(*args, **kwargs)
        self.community = community
        self.residencies = {str(r.pk): r for r in residencies}
        self.fields["category"].queryset = selectors.categories_for(community)
        self.fields["slot"].queryset = selectors.time_slots_for(community)
        self.fields["place"].choices = [
            *((str(r.pk), r.room.label) for r in residencies),
            (PUBLIC_AREA, _("Public area")),
        ]
        today = timezone.localdate()
        self.fields["day"].choices = [
            (day.isoformat(), day_label(day, today)) for day in services.bookable_days()
        ]

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
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

    def clean_videos(self):
        videos = self.cleaned_data["videos"]
        if len(videos) > (most := uploads.video_limit()):
            raise ValidationError(_("At most %(count)d videos, please.") % {"count": most})
        largest = uploads.video_bytes_limit()
        for video in videos:
            # Size and the container's first bytes; the service checks the same again.
            if video.size > largest:
                raise ValidationError(
                    _(
                        "The video %(name)s is too large (at most %(size)d MB). "
                        "Please record a shorter one."
                    )
                    % {
                        "name": video.name,
                        "size": max(1, largest // (1024 * 1024)),
                    }
                )
            video.seek(0)
            head = video.read(64)
            video.seek(0)
            if uploads.sniff_video(head) is None:
                raise ValidationError(
                    _(
                        "%(name)s is not a video we can play. "
                        "Please choose an MP4, MOV or WebM video."
                    )
                    % {"name": video.name}
                )
        return videos

    def clean(self):
        cleaned = super().clean()
        place = cleaned.get("place")
        if place == PUBLIC_AREA and not (cleaned.get("public_area") or "").strip():
            self.add_error("public_area", _("Please say where in the community it is."))
        return cleaned

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if not PHONE_RE.match(phone):
            raise ValidationError(_("Please enter a phone number we can call."))
        return phone

    @property
    def files_were_sent(self) -> bool:
        return bool(self.files.getlist("photos") or self.files.getlist("videos"))

    def order_arguments(self) -> dict:
        """Keyword arguments for services.order_create from the cleaned data."""
        data = self.cleaned_data
        in_room = data["place"] != PUBLIC_AREA
        # A public area is reported through any of the user's residencies in the community.
        residency = (
            self.residencies[data["place"]] if in_room else next(iter(self.residencies.values()))
        )
        return {
            "residency": residency,
            "category": data["category"],
            "description": data["description"],
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "day": dt.date.fromisoformat(data["day"]),
            "slot": data["slot"],
            "in_room": in_room,
            "public_area": data["public_area"] if not in_room else "",
            "photos": data["photos"],
            "videos": data["videos"],
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you want to cancel?"),
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. 已自行修好 / 时间不方便，稍后再报")}
        ),
        error_messages={"required": _("Please give a reason for cancelling.")},
    )


SCORE_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class RatingForm(forms.Form):
    speed = forms.TypedChoiceField(
        label=_("Speed"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    quality = forms.TypedChoiceField(
        label=_("Quality"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=_("Attitude"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("How did it go? Anything we should know?")}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("speed", "quality", "attitude"):
            self.fields[name].error_messages.update(
                required=_("Please give 1 to 5 stars for each item."),
                invalid_choice=_("Please give 1 to 5 stars for each item."),
            )
