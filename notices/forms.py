"""Forms of the staff notice pages (writing a notice, its audience, publishing and files) and
消息设置 of both portals."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Building
from kit.forms import MultipleFileField

from . import events
from .models import Notice
from .services import MAX_ATTACHMENTS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class NoticeForm(forms.Form):
    AUDIENCE_ALL = "all"
    AUDIENCE_BUILDINGS = "buildings"
    AUDIENCE_CHOICES = [
        (AUDIENCE_ALL, _("The whole community")),
        (AUDIENCE_BUILDINGS, _("Chosen buildings")),
    ]
    PUBLISH_CHOICES = [
        ("draft", _("Save as a draft")),
        ("now", _("Publish now")),
        ("scheduled", _("Publish at a set time")),
    ]

    title = forms.CharField(label=_("Title"), max_length=80)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Headings, bold, lists and links are kept; anything else is removed."),
    )
    # Chosen every time: the list starts on "choose", never on a category.
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("— Choose a category —")), *Notice.Category.choices],
        error_messages={"required": _("Choose a category.")},
    )
    importance = forms.ChoiceField(
        label=_("Importance"),
        choices=Notice._meta.get_field("importance").choices,
        help_text=_("Urgent notices are pushed even during quiet hours."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=AUDIENCE_CHOICES,
        widget=forms.RadioSelect,
        initial=AUDIENCE_ALL,
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    publish = forms.ChoiceField(
        label=_("Publishing"), choices=PUBLISH_CHOICES, widget=forms.RadioSelect, initial="now"
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Optional: residents no longer see the notice after this time."),
    )
    pinned = forms.BooleanField(label=_("Pin to the top of the notice board"), required=False)
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Images or PDF documents, at most %(count)d files of 10 MB each.")
        % {"count": MAX_ATTACHMENTS},
    )

    def __init__(self, *args, community, notice: Notice | None = None, **kwargs):
        self.community = community
        self.notice = notice
        if notice is not None and notice.pk and "initial" not in kwargs:
            buildings = list(notice.buildings.all())
            kwargs["initial"] = {
                "title": notice.title,
                "body": notice.body,
                "category": notice.category,
                "importance": notice.importance,
                "audience": self.AUDIENCE_BUILDINGS if buildings else self.AUDIENCE_ALL,
                "buildings": buildings,
                "publish": "scheduled" if notice.status == Notice.Status.SCHEDULED else "draft",
                "publish_at": notice.publish_at,
                "expires_at": notice.expires_at,
                "pinned": notice.pinned,
            }
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = Building.objects.filter(community=community).order_by(
            "sort_order", "name"
        )
        self.fields["attachments"].widget.attrs["accept"] = "image/*,application/pdf,.pdf"
        if self.is_published:
            # Published once, the notice keeps its publishing time; edits send nothing again.
            del self.fields["publish"]
            del self.fields["publish_at"]

    @property
    def is_published(self) -> bool:
        return self.notice is not None and self.notice.status == Notice.Status.PUBLISHED

    def clean(self):
        data = super().clean()
        if (
            data.get("audience") == self.AUDIENCE_BUILDINGS
            and not data.get("buildings")
            and "buildings" not in self.errors
        ):
            self.add_error("buildings", _("Choose at least one building."))
        if data.get("audience") == self.AUDIENCE_ALL:
            data["buildings"] = []
        if (
            data.get("publish") == "scheduled"
            and not data.get("publish_at")
            and "publish_at" not in self.errors
        ):
            self.add_error("publish_at", _("Choose when the notice is published."))
        if data.get("publish") != "scheduled":
            data["publish_at"] = None
        files = data.get("attachments") or []
        existing = self.notice.attachments.count() if self.notice and self.notice.pk else 0
        if existing + len(files) > MAX_ATTACHMENTS:
            self.add_error(
                "attachments",
                ValidationError(
                    _("A notice may have at most %(count)d files.") % {"count": MAX_ATTACHMENTS}
                ),
            )
        return data

    def apply_to(self, notice: Notice) -> Notice:
        data = self.cleaned_data
        for field in ("title", "body", "category", "importance", "expires_at", "pinned"):
            setattr(notice, field, data[field])
        if not self.is_published and notice.status != Notice.Status.WITHDRAWN:
            notice.publish_at = data.get("publish_at")
        return notice

    @property
    def publish_mode(self) -> str:
        return self.cleaned_data.get("publish") or "draft"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give a reason for rejecting the notice.")},
    )


class NoticeSettingsForm(forms.Form):
    urgent_sms_approval = forms.BooleanField(
        label=_("Urgent notices by SMS to everybody need approval"),
        required=False,
        help_text=_(
            "When on, an urgent notice to the whole community that goes out by SMS waits in "
            "“Awaiting approval” until a colleague with the approval duty approves it."
        ),
    )


class PreviewForm(forms.Form):
    """What the editor sends for a preview: nothing is checked but the text is sanitised."""

    title = forms.CharField(required=False, max_length=200)
    body = forms.CharField(required=False)
    category = forms.ChoiceField(required=False, choices=Notice.Category.choices)
    importance = forms.ChoiceField(
        required=False, choices=Notice._meta.get_field("importance").choices
    )


class NotificationSettingsForm(forms.Form):
    """消息设置: which categories are pushed (the rest are muted; the inbox has everything)."""

    receive = forms.MultipleChoiceField(
        choices=list(events.Category.labels.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The labels are lazy: read them again in the language of this request.
        self.fields["receive"].choices = list(events.Category.labels.items())

    def muted_categories(self) -> list[str]:
        receive = set(self.cleaned_data["receive"])
        return [c for c in events.Category.labels if c not in receive]
