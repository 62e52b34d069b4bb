"""The staff portal's notice pages: list, write (with preview), detail with reach and reads,
withdraw, pin, and the files of a notice; the staff member's own inbox (消息, the same
messages as the resident portal's 消息中心) and 消息设置 with Web Push."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Building
from kit.audit import entries_for
from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor
from staff.access import safe_next, staff_has_perm, staff_required, works_from_phone
from staff.middleware import work_on
from staff.scoping import community_id_of_path, get_scoped_or_404
from staff.tables import paginate

from .. import links, selectors, services
from ..downloads import attachment_response
from ..filters import NoticeFilter
from ..forms import (
    NoticeForm,
    NoticeSettingsForm,
    NotificationSettingsForm,
    PreviewForm,
    RejectForm,
)
from ..models import Notice
from ..setup import unread_badge
from ..tables import NoticeTable, UnreadTable

INBOX_PAGE_SIZE = 20


def _notices(request: HttpRequest):
    """The community's notices with their buildings and read counts: a fixed number of
    queries whatever the number of rows."""
    return (
        Notice.objects.filter(community=request.community)
        .annotate(read_count=Count("reads", distinct=True))
        .prefetch_related(Prefetch("buildings", queryset=Building.objects.order_by("name")))
        # Pinned on top, then the newest. Explicit: Meta.ordering is dropped with GROUP BY.
        .order_by(*Notice._meta.ordering)
    )


@staff_required("notices.view_notice")
@cache_page_per_visitor
def notice_list(request: HttpRequest) -> HttpResponse:
    filterset = NoticeFilter(request.GET or None, queryset=_notices(request))
    table = NoticeTable(
        filterset.qs,
        can_change=staff_has_perm(request, "notices.change_notice"),
        can_delete=staff_has_perm(request, "notices.delete_notice"),
        order_by=request.GET.get("sort") or None,
    )
    paginate(request, table)
    return render(
        request,
        "staff/notices/list.html",
        {
            "filter": filterset,
            "table": table,
            "can_add": staff_has_perm(request, "notices.add_notice"),
            "can_approve": staff_has_perm(request, "notices.approve_notice"),
        },
    )


def _save(request: HttpRequest, form: NoticeForm, notice: Notice) -> Notice | None:
    """Save the notice and its new files in one transaction; on refusal, the errors go to the
    form's fields and nothing is kept (no notice, no file, no message sent)."""
    creating = notice.pk is None
    try:
        with transaction.atomic():
            form.apply_to(notice)
            services.notice_save(
                notice=notice,
                actor=request.user,
                buildings=list(form.cleaned_data["buildings"]),
                publish=form.publish_mode,
                request=request,
            )
            services.notice_attachments_add(
                notice=notice,
                files=form.cleaned_data.get("attachments") or [],
                actor=request.user,
                request=request,
            )
    except ValidationError as error:
        if creating:
            notice.pk = None
        add_service_errors(form, error)
        return None
    return notice


def _done_message(request: HttpRequest, notice: Notice) -> None:
    if notice.status == Notice.Status.PUBLISHED:
        messages.success(request, _("The notice was published."))
    elif notice.status == Notice.Status.SCHEDULED:
        messages.success(request, _("The notice will be published at the set time."))
    elif notice.status == Notice.Status.PENDING:
        messages.info(request, _("The urgent notice waits for a colleague's approval."))
    else:
        messages.success(request, _("The notice was saved."))


@staff_required("notices.add_notice")
def notice_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NoticeForm(request.POST, request.FILES, community=request.community)
        if form.is_valid():
            notice = _save(request, form, Notice(community=request.community))
            if notice is not None:
                _done_message(request, notice)
                return redirect("notices_staff:detail", notice_id=notice.pk)
    else:
        form = NoticeForm(community=request.community)
    return render(
        request,
        "staff/notices/form.html",
        {"form": form, "notice": None},
        status=400 if form.errors else 200,
    )


@staff_required("notices.change_notice")
def notice_edit(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    if notice.status == Notice.Status.WITHDRAWN:
        messages.error(request, _("A withdrawn notice cannot be changed."))
        return redirect("notices_staff:detail", notice_id=notice.pk)
    if request.method == "POST":
        form = NoticeForm(request.POST, request.FILES, community=request.community, notice=notice)
        if form.is_valid():
            if _save(request, form, notice) is not None:
                _done_message(request, notice)
                return redirect("notices_staff:detail", notice_id=notice.pk)
            notice.refresh_from_db()
    else:
        form = NoticeForm(community=request.community, notice=notice)
    return render(
        request,
        "staff/notices/form.html",
        {"form": form, "notice": notice, "attachments": list(notice.attachments.all())},
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required("notices.view_notice")
def notice_preview(request: HttpRequest) -> HttpResponse:
    """The notice as residents will see it, from the form as typed (htmx fragment)."""
    if not (
        staff_has_perm(request, "notices.add_notice")
        or staff_has_perm(request, "notices.change_notice")
    ):
        raise PermissionDenied
    form = PreviewForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    notice = Notice(
        community=request.community,
        title=data.get("title") or _("(No title yet)"),
        body=services.sanitize_body(data.get("body") or ""),
        category=data.get("category") or Notice.Category.PROPERTY,
        importance=data.get("importance") or Notice._meta.get_field("importance").default,
    )
    return render(request, "staff/notices/_preview.html", {"notice": notice})


@staff_required("notices.view_notice")
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(
        request,
        Notice.objects.select_related("created_by", "approved_by", "approval_requested_by"),
        notice_id,
    )
    stats = selectors.notice_stats(notice)
    audience = stats["audience"]
    stats["read_percent"] = round(100 * stats["read"] / audience) if audience else 0
    unread = None
    if notice.published_at:  # drafts and scheduled notices have had no readers yet
        unread = UnreadTable(
            selectors.notice_unread_residencies(notice), prefix="unread-", orderable=False
        )
        paginate(request, unread)
    return render(
        request,
        "staff/notices/detail.html",
        {
            "notice": notice,
            "buildings": list(notice.buildings.order_by("sort_order", "name")),
            "stats": stats,
            "unread": unread,
            **selectors.notice_files(notice),
            "audit_entries": entries_for(notice)[:50],
            "can_change": staff_has_perm(request, "notices.change_notice"),
            "can_delete": staff_has_perm(request, "notices.delete_notice"),
            "can_approve": staff_has_perm(request, "notices.approve_notice")
            and request.user.pk not in (notice.created_by_id, notice.approval_requested_by_id),
        },
    )


@require_POST
@staff_required("notices.change_notice")
def notice_withdraw(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    if notice.status == Notice.Status.WITHDRAWN:
        messages.info(request, _("The notice was already withdrawn."))
    else:
        services.notice_withdraw(notice=notice, actor=request.user, request=request)
        messages.success(request, _("The notice was withdrawn; residents no longer see it."))
    return redirect(safe_next(request, "notices_staff:list"))


@require_POST
@staff_required("notices.change_notice")
def notice_pin(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    wanted = request.POST.get("pinned")
    pinned = not notice.pinned if wanted not in ("0", "1") else wanted == "1"
    try:
        services.notice_set_pinned(
            notice=notice, pinned=pinned, actor=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The notice is pinned.") if pinned else _("The notice is no longer pinned."),
        )
    return redirect(safe_next(request, "notices_staff:list"))


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_POST
@staff_required("notices.change_notice")
def notice_publish(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Publish a draft now, or a withdrawn notice again (or send it for approval)."""
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    try:
        notice = services.notice_publish(notice=notice, actor=request.user, request=request)
    except ValidationError as error:
        _refused(request, error)
    else:
        if notice.status == Notice.Status.PENDING:
            messages.info(request, _("The urgent notice waits for a colleague's approval."))
        else:
            messages.success(request, _("The notice was published."))
    return redirect(safe_next(request, "notices_staff:list"))


@require_POST
@staff_required("notices.delete_notice")
def notice_delete(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    try:
        services.notice_delete(notice=notice, actor=request.user, request=request)
    except ValidationError as error:
        _refused(request, error)
        return redirect("notices_staff:detail", notice_id=notice.pk)
    messages.success(request, _("The notice “%(title)s” was deleted.") % {"title": notice.title})
    return redirect("notices_staff:list")


@require_POST
@staff_required("notices.approve_notice")
def notice_approve(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    try:
        notice = services.notice_approve(notice=notice, actor=request.user, request=request)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The notice was approved and is being sent."))
    return redirect("notices_staff:detail", notice_id=notice.pk)


@require_http_methods(["GET", "POST"])
@staff_required("notices.approve_notice")
def notice_reject(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.select_related("created_by"), notice_id)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_reject(
                notice=notice,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The notice was rejected and is a draft again."))
            return redirect("notices_staff:detail", notice_id=notice.pk)
    return render(
        request,
        "staff/notices/reject.html",
        {"notice": notice, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required("notices.approve_notice")
def notice_settings(request: HttpRequest) -> HttpResponse:
    """需要审批: whether urgent notices by SMS to everybody wait for a colleague's approval."""
    current = selectors.notice_settings(request.community)
    form = NoticeSettingsForm(
        request.POST or None, initial={"urgent_sms_approval": current.urgent_sms_approval}
    )
    if request.method == "POST" and form.is_valid():
        services.notice_settings_save(
            community=request.community,
            urgent_sms_approval=form.cleaned_data["urgent_sms_approval"],
            actor=request.user,
            request=request,
        )
        messages.success(request, _("The notice settings were saved."))
        return redirect("notices_staff:list")
    return render(request, "staff/notices/settings.html", {"form": form})


@staff_required("notices.view_notice")
def notice_attachment(request: HttpRequest, notice_id: int, attachment_id: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice.objects.all(), notice_id)
    file = notice.attachments.filter(pk=attachment_id).first()
    if file is None:
        raise Http404
    return attachment_response(request, file)


# --- The staff member's inbox -------------------------------------------------------------------
# Every position has one; technicians see it in their phone layout (templates/technician/).


@staff_required()
@require_GET
@cache_page_per_visitor
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(request.user, request.GET.get("page"), INBOX_PAGE_SIZE)
    template = (
        "technician/messages.html" if works_from_phone(request) else "staff/notices/inbox.html"
    )
    return render(
        request,
        template,
        {"page": page, "unread": unread_badge(request), "active_tab": "messages"},
    )


@staff_required()
@require_GET
def message_open(request: HttpRequest, message_id: int) -> HttpResponse:
    """Read the message and go to its page (a link elsewhere is not followed)."""
    message = get_scoped_or_404(request, selectors.messages_for_user(request.user), message_id)
    services.message_mark_read(message=message)
    target = links.local_url(message.url, request)
    if target is None:
        return redirect("notices_staff:inbox")
    if links.is_staff_page(target):
        _work_on_community_of(request, target)
    return redirect(target)


def _work_on_community_of(request: HttpRequest, url: str) -> None:
    """An alert about another community the staff member serves (an overdue order there):
    switch to it, as the community switcher would, so that its page opens."""
    community_id = community_id_of_path(url)
    if community_id is None or community_id == request.community.pk:
        return
    community = next((c for c in request.staff_communities if c.pk == community_id), None)
    if community is not None:
        work_on(request, community)
        messages.info(request, _("You are now working on %(name)s.") % {"name": community.name})


@require_POST
@staff_required()
def messages_read_all(request: HttpRequest) -> HttpResponse:
    services.messages_mark_all_read(user=request.user)
    messages.success(request, _("All messages are marked as read."))
    return redirect("notices_staff:inbox")


@staff_required()
@require_http_methods(["GET", "POST"])
def message_settings(request: HttpRequest) -> HttpResponse:
    """Which categories are pushed, and Web Push on this device (the resident portal's
    消息设置, with the same form, script, service worker and endpoints)."""
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"receive": selectors.received_categories(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        services.notification_mutes_set(user=request.user, muted_categories=form.muted_categories())
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notices_staff:message_settings")
    template = (
        "technician/message_settings.html"
        if works_from_phone(request)
        else "staff/notices/message_settings.html"
    )
    return render(request, template, {"form": form, "active_tab": "messages"})
