"""The operators' admin of partners and agreements: partners with their contacts and agreements
inline; agreements searchable and filtered (type, status, in force or not, partner kind,
ending within 30/60/90 days) with their PDFs and a "new version" action. Every save is
audited (services.record_change); the logic is in services.py."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import PHASE_LABELS, Agreement, AgreementAttachment, Partner, PartnerContact

# --- Partners ----------------------------------------------------------------------------------


class PartnerForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("payment channels"),
        choices=Partner.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Payment institutions only."),
    )

    class Meta:
        model = Partner
        fields = [
            "kind", "name", "status", "provider", "merchant_numbers", "channels", "communities",
            "notes",
        ]  # fmt: skip


class ContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["name", "role", "phone", "email"]
        # Narrower than the admin's 20em, so the row fits the page beside the delete box.
        widgets = {
            "name": forms.TextInput(attrs={"size": 14}),
            "role": forms.TextInput(attrs={"size": 14}),
            "phone": forms.TextInput(attrs={"size": 16}),
            "email": forms.EmailInput(attrs={"size": 24}),
        }


class ContactInline(admin.TabularInline):
    model = PartnerContact
    form = ContactForm
    fields = ["name", "role", "phone", "email"]
    extra = 1


class AgreementInline(admin.TabularInline):
    """The partner's agreements at a glance; each is edited (and added) on its own page,
    where its dates, amounts and PDFs have room."""

    model = Agreement
    fields = ["number", "title", "kind", "status", "start", "end", "phase_label"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("Agreements")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("in force"))
    def phase_label(self, agreement: Agreement) -> str:
        return PHASE_LABELS[agreement.phase()]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = [
        "name", "kind", "status", "channels_label", "merchant_numbers", "agreement_count",
        "provider",
    ]  # fmt: skip
    list_filter = ["kind", "status"]
    search_fields = [
        "name", "merchant_numbers", "notes", "provider__name", "contacts__name", "contacts__phone",
    ]  # fmt: skip
    list_select_related = ["provider"]
    autocomplete_fields = ["provider", "communities"]
    inlines = [ContactInline, AgreementInline]
    show_full_result_count = False

    readonly_fields = ["add_agreement"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agreement_total=Count("agreements"))

    @admin.display(description=_("agreements"))
    def add_agreement(self, partner: Partner) -> str:
        if partner.pk is None:
            return _("Save the partner first, then add its agreements.")
        url = reverse("admin:platform_admin_agreement_add")
        return format_html('<a href="{}?partner={}">{}</a>', url, partner.pk, _("Add an agreement"))

    @admin.display(description=_("payment channels"))
    def channels_label(self, partner: Partner) -> str:
        return partner.channel_labels() or "—"

    @admin.display(description=_("agreements"), ordering="agreement_total")
    def agreement_count(self, partner: Partner) -> int:
        return partner.agreement_total

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # agreements keep pointing at partners: set the status to ended instead

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.record_change(
            actor=request.user,
            obj=obj,
            created=not change,
            changed=form.changed_data,
            request=request,
        )

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.has_changed() and change:
            services.record_change(
                actor=request.user,
                obj=form.instance,
                created=False,
                changed=["contacts"],
                request=request,
            )


# --- Agreements --------------------------------------------------------------------------------


class PhaseFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return [(key, PHASE_LABELS[key]) for key in ("upcoming", "in_force", "ended")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        signed = queryset.filter(status=Agreement.Status.SIGNED)
        if self.value() == "upcoming":
            return signed.filter(start__gt=today)
        if self.value() == "in_force":
            return signed.filter(start__lte=today).exclude(end__lt=today)
        if self.value() == "ended":
            return signed.filter(end__lt=today)
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = _("ending within")
    parameter_name = "ending"
    DAYS = (30, 60, 90)

    def lookups(self, request, model_admin):
        return [
            (str(days), ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in self.DAYS
        ]

    def queryset(self, request, queryset):
        if self.value() not in {str(days) for days in self.DAYS}:
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            status=Agreement.Status.SIGNED,
            end__gte=today,
            end__lte=today + dt.timedelta(days=int(self.value())),
        )


class PartnerKindFilter(admin.SimpleListFilter):
    title = _("partner kind")
    parameter_name = "partner_kind"

    def lookups(self, request, model_admin):
        return Partner.Kind.choices

    def queryset(self, request, queryset):
        if self.value() in Partner.Kind.values:
            return queryset.filter(partner__kind=self.value())
        return queryset


class AgreementForm(forms.ModelForm):
    pdf = forms.FileField(
        label=_("add a PDF"),
        required=False,
        help_text=_("The signed agreement or an annex, as a PDF of at most 10 MB."),
    )

    class Meta:
        model = Agreement
        fields = [
            "partner", "number", "title", "kind", "status", "signed_on", "signed_after_start",
            "start", "end", "amount", "fee_rate", "content",
        ]  # fmt: skip

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if upload:
            services.check_pdf(upload)
        return upload


class AttachmentInline(admin.TabularInline):
    model = AgreementAttachment
    fields = ["download", "size_label", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("PDF files")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added through the form's "add a PDF" field, checked by its bytes

    @admin.display(description=_("file name"))
    def download(self, attachment: AgreementAttachment) -> str:
        url = reverse("admin:platform_partners_attachment", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)

    @admin.display(description=_("size"))
    def size_label(self, attachment: AgreementAttachment) -> str:
        return f"{attachment.size / 1024:.0f} KB"


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementForm
    list_display = [
        "number", "title", "partner", "kind", "status", "phase_label", "start", "end", "version",
    ]  # fmt: skip
    list_filter = ["kind", "status", PhaseFilter, ExpiringFilter, PartnerKindFilter]
    search_fields = ["number", "title", "partner__name", "content"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    readonly_fields = ["version", "revision", "supersedes_link", "created_by", "created_at"]
    inlines = [AttachmentInline]
    actions = ["new_version"]
    date_hierarchy = "start"
    show_full_result_count = False

    @admin.display(description=_("in force"))
    def phase_label(self, agreement: Agreement) -> str:
        return PHASE_LABELS[agreement.phase()]

    @admin.display(description=_("supersedes"))
    def supersedes_link(self, agreement: Agreement) -> str:
        if agreement.supersedes_id is None:
            return "—"
        url = reverse("admin:platform_admin_agreement_change", args=[agreement.supersedes_id])
        return format_html('<a href="{}">{}</a>', url, agreement.supersedes)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Drafts only: a signed agreement is cancelled (its status), never deleted.
        return (
            obj is not None
            and obj.status == Agreement.Status.DRAFT
            and not (Agreement.objects.filter(supersedes=obj).exists())
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        services.record_change(
            actor=request.user,
            obj=obj,
            created=not change,
            changed=form.changed_data,
            request=request,
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        upload = form.cleaned_data.get("pdf")
        if upload:
            services.attachment_add(
                agreement=form.instance, upload=upload, actor=request.user, request=request
            )

    @admin.action(description=_("Make a new version (renewal or amendment)"))
    def new_version(self, request, queryset):
        made = []
        for agreement in queryset.order_by("pk"):
            try:
                made.append(
                    services.agreement_new_version(
                        agreement=agreement, actor=request.user, request=request
                    )
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{agreement.number}: {'；'.join(error.messages)}", messages.ERROR
                )
        if len(made) == 1:
            self.message_user(
                request,
                _("Version %(version)s was made as a draft: check its dates, then sign it.")
                % {"version": made[0].version},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:platform_admin_agreement_change", args=[made[0].pk])
            )
        if made:
            self.message_user(
                request,
                ngettext(
                    "%(count)d new version was made as a draft.",
                    "%(count)d new versions were made as drafts.",
                    len(made),
                )
                % {"count": len(made)},
                messages.SUCCESS,
            )
        return None
