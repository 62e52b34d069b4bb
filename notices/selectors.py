"""Reads for notices and the inbox."""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import Residency
from kit.cache import cached, invalidate

from . import events
from .models import Delivery, Message, MutedCategory, Notice, NoticeAttachment, NoticeRead


def notice_audience_residencies(notice: Notice) -> QuerySet[Residency]:
    """Verified residencies (owners, tenants, family members) in the notice's buildings, or in
    the whole community when it names none."""
    residencies = Residency.objects.filter(
        status=Residency.Status.VERIFIED, room__building__community_id=notice.community_id
    )
    building_ids = list(notice.buildings.values_list("pk", flat=True))
    if building_ids:
        residencies = residencies.filter(room__building_id__in=building_ids)
    return residencies


def notice_audience_user_ids(notice: Notice) -> QuerySet:
    return (
        notice_audience_residencies(notice)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def notice_messages(notice: Notice) -> QuerySet[Message]:
    return Message.objects.filter(
        event="notice.published",
        object_type=ContentType.objects.get_for_model(Notice),
        object_id=str(notice.pk),
    )


def notices_for_user(user) -> QuerySet[Notice]:
    """Live notices whose audience includes one of the user's verified rooms, with `is_read`."""
    rooms = Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
    community_ids = rooms.values("room__building__community_id")
    building_ids = rooms.values("room__building_id")
    return (
        Notice.objects.live()
        .filter(community_id__in=community_ids)
        .filter(Q(buildings__isnull=True) | Q(buildings__in=building_ids))
        .distinct()
        .annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)))
        .select_related("community")
        .order_by("-pinned", "-published_at", "-pk")
    )


# What resident/notices/_notice_item.html shows of a notice.
NOTICE_ITEM_FIELDS = ("pinned", "title", "importance", "category", "published_at", "expires_at",
                      "community_id", "community__name")  # fmt: skip


def home_notices(user) -> tuple[list[Notice], list[Notice]]:
    """The resident home's notices: up to five pinned and the three latest others, cached until
    the user's rooms or reads change or a notice of their communities does (notices.services
    invalidates ``community:<id>``). A notice shown that has expired since is such a change:
    the first reader to see it moves the community's scope on."""
    from accounts.selectors import resident_cache_scopes

    def compute() -> tuple[list[Notice], list[Notice]]:
        notices = notices_for_user(user).only(*NOTICE_ITEM_FIELDS)
        return list(notices.filter(pinned=True)[:5]), list(notices.filter(pinned=False)[:3])

    pinned, latest = cached("home-notices", resident_cache_scopes(user), compute)
    now = timezone.now()
    expired = {n.community_id for n in [*pinned, *latest] if n.expires_at and n.expires_at <= now}
    if expired:
        invalidate(*(f"community:{community_id}" for community_id in expired))
        pinned, latest = cached("home-notices", resident_cache_scopes(user), compute)
    return pinned, latest


def get_notice_for_user(user, notice_id: int) -> Notice | None:
    return notices_for_user(user).filter(pk=notice_id).first()


def unread_message_count(user) -> int:
    """The unread messages of the inbox (what the 消息 tab and the staff menu show)."""
    return messages_for_user(user).filter(read_at__isnull=True).count()


# The kit.cache scope of every inbox at once: moved on when many inboxes change together (a large
# fan-out's chunk, a notice withdrawn or deleted), where one scope per recipient would cost a
# cache write per person.
EVERY_INBOX = "inboxes"


def unread_message_badge(user) -> int:
    """unread_message_count, cached until the user's messages change (notices.notify writes
    them, the services below mark them read) or every inbox does (EVERY_INBOX)."""
    return cached(
        "unread-messages", [f"user:{user.pk}", EVERY_INBOX], lambda: unread_message_count(user)
    )


def messages_for_user(user) -> QuerySet[Message]:
    """The inbox, one for both portals. Messages of a withdrawn notice are gone with it."""
    # Message.object_id is text (it names objects of any model): compare it with text.
    withdrawn = (
        Notice.objects.filter(status=Notice.Status.WITHDRAWN)
        .annotate(pk_text=Cast("pk", CharField()))
        .values("pk_text")
    )
    notice_type = ContentType.objects.get_for_model(Notice)
    return Message.objects.filter(recipient=user).exclude(
        object_type=notice_type, object_id__in=withdrawn
    )


def get_message_for_user(user, message_id: int) -> Message | None:
    return messages_for_user(user).filter(pk=message_id).first()


def inbox_page(user, number, per_page: int = 20) -> Page:
    """One page of the inbox (newest first); `number` as it comes from the query string."""
    return Paginator(messages_for_user(user), per_page).get_page(number)


def page_has_unread(page: Page) -> bool:
    return any(message.read_at is None for message in page.object_list)


def received_categories(user) -> list[str]:
    """The categories pushed to this person (消息设置): all but the muted ones."""
    muted = set(MutedCategory.objects.filter(user=user).values_list("category", flat=True))
    return [c for c in events.Category.labels if c not in muted]


def notice_stats(notice: Notice) -> dict[str, int]:
    """Audience size, inbox messages written, pushes sent by channel, and reads."""
    messages = notice_messages(notice)
    pushes = dict(
        Delivery.objects.filter(message__in=messages, status=Delivery.Status.SENT)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    failed = Delivery.objects.filter(message__in=messages, status=Delivery.Status.FAILED).count()
    return {
        # Until the fan-out has finished (and for drafts): who would receive it now.
        "audience": notice.audience_size
        if notice.fanned_out_at
        else notice_audience_user_ids(notice).count(),
        "delivered": messages.count(),
        "pushed": sum(pushes.values()),
        "pushes": pushes,
        "push_failed": failed,
        "read": NoticeRead.objects.filter(notice=notice).count(),
    }


def notice_unread_residencies(notice: Notice) -> QuerySet[Residency]:
    """Who in the audience has not read the notice, with room and person, for the staff page."""
    return (
        notice_audience_residencies(notice)
        .exclude(user__in=NoticeRead.objects.filter(notice=notice).values("user_id"))
        .select_related("user", "room__building", "room__unit")
        .order_by("room__building__sort_order", "room__building__name", "room__floor", "pk")
    )


def notice_files(notice: Notice) -> dict[str, list[NoticeAttachment]]:
    """The notice's attachments in one query: images (shown inline) and documents (links)."""
    files = list(notice.attachments.all())
    return {
        "images": [f for f in files if f.kind == NoticeAttachment.Kind.IMAGE],
        "documents": [f for f in files if f.kind == NoticeAttachment.Kind.PDF],
    }


def notice_settings(community):
    """The community's notice settings (unsaved defaults when it has none yet)."""
    from .models import NoticeSettings

    return NoticeSettings.objects.filter(community=community).first() or NoticeSettings(
        community=community
    )
