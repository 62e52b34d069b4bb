"""Reads of suggestions: the household's own, what a neighbour may open, the community's board,
the staff queue. A neighbour sees a public suggestion (or one their own was merged into)
without the proposer's name or room; internal lines never leave the staff pages."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Community, Residency, User
from accounts.selectors import household_ids_of_user

from ..models import Suggestion, SuggestionEvent, SuggestionStep, SuggestionSupport

Status = Suggestion.Status

BOARD_SECTIONS = {
    "open": (Status.SUBMITTED, Status.EVALUATING),
    "adopted": (Status.ADOPTED, Status.IN_PROGRESS),
    "done": (Status.COMPLETED,),
}


def resident_households(user: User) -> QuerySet[Residency]:
    """The user's households (heads' verified residencies) with their communities."""
    return (
        Residency.objects.filter(pk__in=household_ids_of_user(user))
        .select_related("room__building__community")
        .order_by("room__building__community__name", "pk")
    )


def communities_of_user(user: User) -> list[Community]:
    found = {}
    for household in resident_households(user):
        community = household.room.building.community
        found.setdefault(community.pk, community)
    return list(found.values())


def suggestions_of_households(user: User, limit: int = 20) -> list[Suggestion]:
    """The user's households' suggestions, newest first (the hub)."""
    return list(
        Suggestion.objects.filter(household__in=household_ids_of_user(user)).order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def _supported_by(user: User):
    return Exists(
        SuggestionSupport.objects.filter(
            suggestion=OuterRef("pk"), household__in=household_ids_of_user(user)
        )
    )


def suggestion_for_resident_or_404(user: User, suggestion_id: int) -> tuple[Suggestion, bool]:
    """The suggestion and whether it is the user's household's own. Others of the same
    community may open a public one, or one they follow (their own suggestion, or one they
    supported, was merged into it); anything else is a 404."""
    households = household_ids_of_user(user)
    suggestion = (
        Suggestion.objects.select_related("community", "completion_notice")
        .annotate(supported=_supported_by(user))
        .filter(pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise Http404
    if Residency.objects.filter(pk=suggestion.household_id).filter(pk__in=households).exists():
        return suggestion, True
    in_community = Residency.objects.filter(
        pk__in=households, room__building__community_id=suggestion.community_id
    ).exists()
    # Those told of its progress may open it: the proposers of duplicates merged into it and
    # their supporters, who moved over with them.
    followed = (
        Suggestion.objects.filter(merged_into=suggestion, household__in=households).exists()
        or SuggestionSupport.objects.filter(
            suggestion=suggestion, household__in=households
        ).exists()
    )
    if in_community and ((suggestion.is_public and suggestion.status != Status.MERGED) or followed):
        return suggestion, False
    raise Http404


def resident_timeline(suggestion: Suggestion) -> list[SuggestionEvent]:
    """What residents may read of the timeline: never an internal line, never who wrote it."""
    return list(suggestion.events.filter(internal=False).only(
        "kind", "status", "note", "created_at", "suggestion_id"
    ).order_by("created_at", "pk"))  # fmt: skip


def plan_steps(suggestion: Suggestion) -> list[SuggestionStep]:
    return list(suggestion.steps.select_related("owner__user"))


def board(community: Community, user: User, section: str) -> QuerySet[Suggestion]:
    """The community's public suggestions of one board section, with whether the user's
    household supports each (one query per page, whatever the rows)."""
    statuses = BOARD_SECTIONS.get(section, BOARD_SECTIONS["open"])
    ordering = {
        "open": ("-support_count", "-created_at", "-pk"),
        "adopted": ("-decided_at", "-pk"),
        "done": ("-completed_at", "-pk"),
    }.get(section, ("-support_count", "-created_at", "-pk"))
    return (
        Suggestion.objects.filter(community=community, is_public=True, status__in=statuses)
        .annotate(
            supported=_supported_by(user),
            own=ExpressionWrapper(
                Q(household__in=household_ids_of_user(user)), output_field=BooleanField()
            ),
        )
        .defer("feasibility_note", "estimated_cost")
        .order_by(*ordering)
    )


# --- Staff ---------------------------------------------------------------------------------------


def staff_queue(community: Community) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(community=community).select_related(
        "household__room__building", "household__room__unit", "proposer", "handler__user"
    )


def filtered_queue(community: Community, data: dict) -> QuerySet[Suggestion]:
    suggestions = staff_queue(community)
    if data.get("status"):
        suggestions = suggestions.filter(status=data["status"])
    if data.get("public") in ("yes", "no"):
        suggestions = suggestions.filter(is_public=data["public"] == "yes")
    query = (data.get("q") or "").strip()
    if query:
        suggestions = suggestions.filter(
            Q(title__icontains=query)
            | Q(body__icontains=query)
            | Q(number__icontains=query)
            | Q(proposer__display_name__icontains=query)
        )
    return suggestions.order_by("-created_at", "-pk")


def staff_timeline(suggestion: Suggestion) -> list[SuggestionEvent]:
    return list(suggestion.events.select_related("actor").order_by("created_at", "pk"))


def merge_candidates(suggestion: Suggestion) -> QuerySet[Suggestion]:
    """Other suggestions of the community that may still be merged into this one."""
    return (
        Suggestion.objects.filter(
            community_id=suggestion.community_id,
            status__in=(Status.SUBMITTED, Status.EVALUATING),
        )
        .exclude(pk=suggestion.pk)
        .order_by("-created_at", "-pk")
    )


def merged_into(suggestion: Suggestion) -> list[Suggestion]:
    return list(suggestion.merged.order_by("pk"))
