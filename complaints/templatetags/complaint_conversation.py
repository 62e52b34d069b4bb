"""What the conversation partials need, given the `complaint` (and the `request`) that the
detail pages of both portals pass: the thread, the read markers, the message form with a kept
draft, the merge panel; and the unread counts of a list of complaints.

Opening a page that shows the thread moves the person's read marker (a write during a GET:
it is what "read" means, and it is idempotent)."""

from django import template
from django.http import HttpRequest

from staff.access import staff_has_perm

from ..conversation import drafts, selectors, services
from ..conversation.forms import MessageForm, StaffMessageForm
from ..models import Complaint
from ..setup import HANDLE, MERGE

register = template.Library()


def _request(context) -> HttpRequest:
    return context["request"]


@register.simple_tag(takes_context=True)
def resident_conversation(context, complaint: Complaint) -> dict:
    """The household's view: no internal note, ever."""
    request = _request(context)
    services.mark_read(complaint=complaint, user=request.user)
    thread = selectors.thread_for(complaint, staff=False)
    draft = drafts.take(request, "resident", complaint.pk)
    return {
        "thread": thread,
        "can_send": complaint.status not in Complaint.FINAL_STATUSES,
        "form": MessageForm(initial={"body": draft.get("body", "")}),
    }


@register.simple_tag(takes_context=True)
def staff_conversation(context, complaint: Complaint) -> dict:
    request = _request(context)
    services.mark_read(complaint=complaint, user=request.user)
    thread = selectors.thread_for(complaint, staff=True)
    draft = drafts.take(request, "staff", complaint.pk)
    final = complaint.status in Complaint.FINAL_STATUSES
    return {
        "thread": thread,
        "can_write": staff_has_perm(request, HANDLE),
        # To the household only while the complaint is open; notes always.
        "notes_only": final,
        "form": StaffMessageForm(
            initial={"body": draft.get("body", ""), "internal": final or draft.get("internal")}
        ),
    }


@register.simple_tag(takes_context=True)
def merge_panel(context, complaint: Complaint) -> dict:
    request = _request(context)
    may_merge = staff_has_perm(request, MERGE) and complaint.status in selectors.MERGEABLE
    query = request.GET.get("merge_q", "").strip()[:50]
    return {
        "may_merge": may_merge,
        "query": query,
        "candidates": list(selectors.merge_candidates(complaint, query)) if may_merge else [],
        "merged": list(selectors.merged_into(complaint)),
    }


@register.simple_tag(takes_context=True)
def unread_counts_for(context, complaints, staff: bool = False) -> dict[int, int]:
    """{complaint id: unread messages} for a list (a queryset, a page or a list) in one query:
    `{% unread_counts_for complaints as unread %}` (staff pages: `staff=True`)."""
    rows = getattr(complaints, "object_list", complaints)
    ids = [row.pk for row in rows]
    return selectors.unread_counts(_request(context).user, ids, staff=staff)


@register.inclusion_tag("resident/complaints/conversation/_unread_badge.html")
def unread_badge(counts: dict, complaint_id: int) -> dict:
    """The red count of a list row: `{% unread_badge unread complaint.pk %}`."""
    return {"count": counts.get(complaint_id, 0)}


@register.filter
def from_household(message, thread) -> bool:
    return message.author_id in thread.household_user_ids
