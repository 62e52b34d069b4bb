"""Forms of the activity pages: validation only; the changes are made by .services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Building, User
from kit.images import photo_from_upload

from ..models import Activity
from . import services

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
QUESTION_ROWS = 5  # questions an activity may ask each household
POSTER_MAX_SIDE = 1600
MAX_OTHER_PEOPLE = 20


def _when(label, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class ActivityForm(forms.ModelForm):
    AUDIENCE_ALL = "all"
    AUDIENCE_BUILDINGS = "buildings"

    poster_upload = forms.FileField(
        label=_("Poster"),
        required=False,
        help_text=_("A picture (JPEG, PNG …); it is shown on top of the activity page."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    signup_opens_at = _when(_("Sign-up opens"))
    signup_closes_at = _when(_("Sign-up closes"))
    cancel_closes_at = _when(
        _("Cancel until"),
        required=False,
        help_text=_("Households may cancel until then. Empty: until sign-up closes."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[
            (AUDIENCE_ALL, _("The whole community")),
            (AUDIENCE_BUILDINGS, _("Chosen buildings")),
        ],
        widget=forms.RadioSelect,
        initial=AUDIENCE_ALL,
    )
    audience_buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )

    class Meta:
        model = Activity
        fields = [
            "title",
            "description",
            "place",
            "starts_at",
            "ends_at",
            "signup_opens_at",
            "signup_closes_at",
            "cancel_closes_at",
            "capacity",
            "per_household_limit",
            "needs_approval",
            "self_checkin",
            "claim_hours",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "capacity": _("How many people may come in all."),
            "claim_hours": _(
                "A place freed by a cancellation is offered to the next waiting household, "
                "which has this long to claim it before it passes on."
            ),
        }

    def __init__(self, *args, community, **kwargs):
        self.community = community
        instance = kwargs.get("instance")
        super().__init__(*args, **kwargs)
        self.fields["audience_buildings"].queryset = Building.objects.filter(
            community=community
        ).order_by("sort_order", "name")
        for index in range(QUESTION_ROWS):
            self.fields[f"question_{index}"] = forms.CharField(
                label=_("Question %(number)d") % {"number": index + 1},
                max_length=40,
                required=False,
                widget=forms.TextInput(
                    attrs={"placeholder": _("e.g. Age of the children"), "class": "form-control"}
                ),
            )
            self.fields[f"question_{index}_required"] = forms.BooleanField(
                label=_("Required"),
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
        if instance is not None and instance.pk and not self.is_bound:
            buildings = list(instance.buildings.all())
            self.initial["audience"] = self.AUDIENCE_BUILDINGS if buildings else self.AUDIENCE_ALL
            self.initial["audience_buildings"] = buildings
            for index, question in enumerate(instance.fields[:QUESTION_ROWS]):
                self.initial[f"question_{index}"] = question.get("label", "")
                self.initial[f"question_{index}_required"] = bool(question.get("required"))

    def question_rows(self) -> list[tuple]:
        return [
            (self[f"question_{index}"], self[f"question_{index}_required"])
            for index in range(QUESTION_ROWS)
        ]

    def clean_poster_upload(self):
        upload = self.cleaned_data.get("poster_upload")
        if not upload:
            return None
        return photo_from_upload(upload, max_side=POSTER_MAX_SIDE, quality=85)

    # complexity: one rule per line, each with its own message at its own field
    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("signup_opens_at"), data.get("signup_closes_at")
        cancel_until = data.get("cancel_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if opens and closes and closes <= opens:
            self.add_error("signup_closes_at", _("Sign-up must close after it opens."))
        if starts and closes and closes > starts:
            self.add_error("signup_closes_at", _("Sign-up must close before the activity starts."))
        if starts and cancel_until and cancel_until > starts:
            self.add_error("cancel_closes_at", _("Cancelling must end before the activity starts."))
        self._clean_places(data)
        if data.get("audience") == self.AUDIENCE_BUILDINGS and not data.get("audience_buildings"):
            self.add_error("audience_buildings", _("Choose at least one building."))
        if data.get("audience") != self.AUDIENCE_BUILDINGS:
            data["audience_buildings"] = []
        data["fields"] = [
            {"label": label, "required": bool(data.get(f"question_{index}_required"))}
            for index in range(QUESTION_ROWS)
            if (label := (data.get(f"question_{index}") or "").strip())
        ]
        return data

    def _clean_places(self, data: dict) -> None:
        capacity, limit = data.get("capacity"), data.get("per_household_limit")
        taken = self.instance.places_taken if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            self.add_error(
                "capacity",
                _("%(count)d places are already taken: the capacity cannot be lower.")
                % {"count": taken},
            )
        if capacity is not None and limit is not None and limit > capacity:
            self.add_error(
                "per_household_limit",
                _("A household cannot bring more people than there are places."),
            )

    def apply(self) -> Activity:
        """The activity with the form's values (not saved: the service saves it)."""
        activity = self.instance
        activity.community = self.community
        activity.fields = self.cleaned_data["fields"]
        poster = self.cleaned_data.get("poster_upload")
        if poster is not None:
            services.poster_set(activity, poster)
        return activity


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason.")},
    )


class SignupForm(forms.Form):
    """Who comes (members of the household with an account, and others by name) and the
    answers to the activity's questions."""

    members = forms.TypedMultipleChoiceField(
        label=_("Who comes from your household"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    others = forms.CharField(
        label=_("Other people"),
        required=False,
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("One name per line, e.g. a child")}
        ),
        help_text=_("People without an account, such as children: one name per line."),
    )

    def __init__(self, *args, activity: Activity, people: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.fields["members"].choices = [(u.pk, u.get_full_name()) for u in people]
        for index, question in enumerate(activity.fields):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question.get("label", ""),
                max_length=200,
                required=bool(question.get("required")),
                error_messages={"required": _("Please answer this question.")},
            )

    def answer_fields(self) -> list:
        return [self[f"answer_{index}"] for index in range(len(self.activity.fields))]

    def clean_others(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data.get("others", "").splitlines()]
        names = [name for name in names if name]
        if len(names) > MAX_OTHER_PEOPLE:
            raise forms.ValidationError(_("Too many names."))
        if any(len(name) > 50 for name in names):
            raise forms.ValidationError(_("A name may have at most 50 characters."))
        return names

    def clean(self):
        data = super().clean()
        people = len(data.get("members") or []) + len(data.get("others") or [])
        if "members" not in self.errors and "others" not in self.errors:
            if people == 0:
                self.add_error("members", _("Please choose who comes."))
            elif people > self.activity.per_household_limit:
                self.add_error(
                    "members",
                    _("At most %(count)d people per household may sign up.")
                    % {"count": self.activity.per_household_limit},
                )
        data["answers"] = {
            str(index): data.get(f"answer_{index}", "")
            for index in range(len(self.activity.fields))
        }
        return data
