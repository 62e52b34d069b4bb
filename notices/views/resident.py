"""The resident's notice board, a notice, its files, the inbox (消息中心) and 消息设置."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit.pagecache import cache_page_per_visitor

from .. import links, selectors, services
from ..downloads import attachment_response
from ..forms import NotificationSettingsForm
from ..models import Notice

PAGE_SIZE = 20


def home_panel(request: HttpRequest, verified_room_ids: list[int]) -> dict:
    """The resident home's notices (accounts.portal's home panel): up to five pinned and the
    three latest others, once the resident has a verified room."""
    if not verified_room_ids:
        return {"pinned_notices": [], "notices": []}
    pinned, latest = selectors.home_notices(request.user)
    return {"pinned_notices": pinned, "notices": latest}


@login_required
@require_GET
@cache_page_per_visitor
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
@cache_page_per_visitor
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
    return attachment_response(request, file)


@login_required
@require_GET
@cache_page_per_visitor
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(request.user, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "resident/notices/inbox.html",
        {"page": page, "has_unread": selectors.page_has_unread(page)},
    )


@login_required
@require_GET
def message_open(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.get_message_for_user(request.user, message_id)
    if message is None:
        raise Http404
    services.message_mark_read(message=message)
    return redirect(links.local_url(message.url, request) or "notices:inbox")


@login_required
@require_POST
def messages_read_all(request: HttpRequest) -> HttpResponse:
    services.messages_mark_all_read(user=request.user)
    messages.success(request, _("All messages are marked as read."))
    return redirect("notices:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"receive": selectors.received_categories(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        services.notification_mutes_set(user=request.user, muted_categories=form.muted_categories())
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notices:settings")
    return render(request, "resident/notices/settings.html", {"form": form})
