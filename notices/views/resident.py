"""The resident's notice board, a notice, its files, the inbox (消息中心) and 消息设置."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import events, selectors, services
from ..downloads import attachment_response
from ..models import MutedCategory, Notice

PAGE_SIZE = 20


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    notices = selectors.notices_for_user(request.user)
    category = request.GET.get("category", "")
    if category in Notice.Category.values:
        notices = notices.filter(category=category)
    else:
        category = ""
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [("", _("All")), *Notice.Category.choices]
    return render(
        request,
        "resident/notices/board.html",
        {"page": page, "tabs": tabs, "category": category},
    )


@login_required
@require_GET
def detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.get_notice_for_user(request.user, notice_id)
    if notice is None:
        raise Http404
    services.notice_mark_read(notice=notice, user=request.user)
    return render(
        request,
        "resident/notices/detail.html",
        {
            "notice": notice,
            **selectors.notice_files(notice),
        },
    )


@login_required
@require_GET
def attachment(request: HttpRequest, notice_id: int, attachment_id: int) -> HttpResponse:
    """A notice's file, for the people who may see the notice only (private storage)."""
    notice = selectors.get_notice_for_user(request.user, notice_id)
    if notice is None:
        raise Http404
    file = notice.attachments.filter(pk=attachment_id).first()
    if file is None:
        raise Http404
    return attachment_response(file)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.messages_for_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resident/notices/inbox.html",
        {"page": page, "has_unread": any(m.read_at is None for m in page.object_list)},
    )


@login_required
@require_GET
def message_open(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.messages_for_user(request.user).filter(pk=message_id).first()
    if message is None:
        raise Http404
    services.message_mark_read(message=message)
    if message.url and url_has_allowed_host_and_scheme(
        message.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(message.url)
    return redirect("notices:inbox")


@login_required
@require_POST
def messages_read_all(request: HttpRequest) -> HttpResponse:
    services.messages_mark_all_read(user=request.user)
    messages.success(request, _("All messages are marked as read."))
    return redirect("notices:inbox")


class NotificationSettingsForm(forms.Form):
    receive = forms.MultipleChoiceField(
        choices=list(events.Category.labels.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The labels are lazy: read them again in the language of this request.
        self.fields["receive"].choices = list(events.Category.labels.items())


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest) -> HttpResponse:
    muted = set(MutedCategory.objects.filter(user=request.user).values_list("category", flat=True))
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"receive": [c for c in events.Category.labels if c not in muted]},
    )
    if request.method == "POST" and form.is_valid():
        receive = set(form.cleaned_data["receive"])
        services.notification_mutes_set(
            user=request.user,
            muted_categories=[c for c in events.Category.labels if c not in receive],
        )
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notices:settings")
    return render(request, "resident/notices/settings.html", {"form": form})
