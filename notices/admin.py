"""Platform operators: push rules and quiet hours (PSET-1), and a read-only view of notices,
messages and deliveries, with a retry action for failed deliveries."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kit.admin import ReadOnlyAdmin

from . import events
from .models import Delivery, FanOut, Message, Notice, NoticeSettings, PushRule, PushSettings


class EventFilter(admin.SimpleListFilter):
    """The events by name, not by code."""

    title = _("event")
    parameter_name = "event"
    field_path = "event"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return events.choices()

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field_path: self.value()}) if self.value() else queryset


class MessageEventFilter(EventFilter):
    field_path = "message__event"


class PushRuleForm(forms.ModelForm):
    event = forms.ChoiceField(label=_("event"), choices=events.choices)

    class Meta:
        model = PushRule
        fields = ["event", "importance", "wechat", "webpush", "sms"]


@admin.register(PushRule)
class PushRuleAdmin(admin.ModelAdmin):
    form = PushRuleForm
    list_display = ["event_name", "importance", "wechat", "webpush", "sms", "updated_at"]
    list_display_links = ["event_name"]
    list_editable = ["wechat", "webpush", "sms"]
    list_filter = ["importance", EventFilter]

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, rule: PushRule) -> str:
        return events.display_name(rule.event)


@admin.register(PushSettings)
class PushSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quiet_hours_enabled", "quiet_start", "quiet_end", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not PushSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NoticeSettings)
class NoticeSettingsAdmin(admin.ModelAdmin):
    """需要审批 per community (managers set it on the staff portal's 公告设置 page too)."""

    list_display = ["community", "urgent_sms_approval", "updated_at"]
    list_filter = ["community__company", "urgent_sms_approval"]
    search_fields = ["community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "community",
        "category",
        "importance",
        "status",
        "published_at",
        "audience_size",
        "pinned",
    ]
    list_filter = ["status", "category", "importance", "community"]
    search_fields = ["title"]
    list_select_related = ["community"]
    date_hierarchy = "created_at"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "event_name", "importance", "title", "read_at"]
    list_filter = [EventFilter, "importance", "category"]
    search_fields = ["recipient__mobile", "title"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    show_full_result_count = False

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, message: Message) -> str:
        return events.display_name(message.event)


@admin.register(FanOut)
class FanOutAdmin(ReadOnlyAdmin):
    """Fan-outs through the outbox: one not finished long after `created` is what the sweep is
    still working on (or failing at: see the last error and the attempts)."""

    list_display = [
        "created_at", "event_name", "object_id", "key", "audience_size", "kicked_at",
        "attempts", "finished_at", "last_error",
    ]  # fmt: skip
    list_filter = [EventFilter, ("finished_at", admin.EmptyFieldListFilter)]
    show_full_result_count = False

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, fan_out: FanOut) -> str:
        return events.display_name(fan_out.event)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "status",
        "attempts",
        "recipient",
        "event",
        "sent_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", MessageEventFilter]
    search_fields = ["message__recipient__mobile", "last_error"]
    list_select_related = ["message__recipient"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    @admin.display(description=_("recipient"))
    def recipient(self, delivery: Delivery):
        return delivery.message.recipient

    @admin.display(description=_("event"))
    def event(self, delivery: Delivery) -> str:
        return events.display_name(delivery.message.event)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Try the failed deliveries again"))
    def retry(self, request, queryset):
        count = queryset.filter(status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED,
            next_attempt_at=timezone.now(),
            attempts=0,
            dispatched_at=None,
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again; the next sweep sends it.",
                "%(count)d deliveries queued again; the next sweep sends them.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
