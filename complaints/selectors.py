"""What the complaints app's parts share to read: whose complaints and suggestions a resident
may open. A household sees only its own complaints, never one it was merged into (that one
may name another household); staff reach theirs through `get_scoped_or_404`."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest

from accounts.models import Community, User
from accounts.selectors import household_ids_of_user

from .models import Complaint, Suggestion


def complaints_for_user(user: User) -> QuerySet[Complaint]:
    """Every complaint of the user's households, newest first."""
    return (
        Complaint.objects.filter(household__in=household_ids_of_user(user))
        .select_related("category", "room__building", "room__unit")
        .order_by("-created_at", "-pk")
    )


def complaint_for_user_or_404(user: User, complaint_id: int) -> Complaint:
    complaint = (
        complaints_for_user(user)
        .select_related("community", "merged_into__category", "department")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def suggestions_of_user(user: User) -> QuerySet[Suggestion]:
    """The suggestions the user's households made, newest first."""
    return Suggestion.objects.filter(household__in=household_ids_of_user(user)).order_by(
        "-created_at", "-pk"
    )


def waiting_counts(request: HttpRequest) -> dict[str, int]:
    """New complaints and suggestions nobody has taken up in the community being worked on, for
    the two staff menu badges: one query for both, once per request."""
    cached = getattr(request, "_complaints_waiting", None)
    if cached is not None:
        return cached
    community = getattr(request, "community", None)
    counts = {"complaints": 0, "suggestions": 0}
    if community is not None:

        def submitted(model) -> Subquery:
            rows = (
                model.objects.filter(community=OuterRef("pk"), status=model.Status.SUBMITTED)
                .order_by()
                .values("community")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

        row = (
            Community.objects.filter(pk=community.pk)
            .annotate(
                waiting_complaints=submitted(Complaint), waiting_suggestions=submitted(Suggestion)
            )
            .values("waiting_complaints", "waiting_suggestions")
            .first()
        )
        if row:
            counts = {
                "complaints": row["waiting_complaints"],
                "suggestions": row["waiting_suggestions"],
            }
    request._complaints_waiting = counts
    return counts
