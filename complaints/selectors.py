"""What the complaints app's parts share to read: whose complaints and suggestions a resident
may open. A household sees only its own complaints, never one it was merged into (that one
may name another household); staff reach theirs through `get_scoped_or_404`."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
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
