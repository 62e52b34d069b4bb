from django.db.models import QuerySet

from accounts.models import Community, User

from .models import StaffMember


def active_staff_member(user: User) -> StaffMember | None:
    return (
        StaffMember.objects.select_related("company", "position")
        .filter(user=user, is_active=True)
        .first()
    )


def communities_served(member: StaffMember) -> list[Community]:
    return list(member.communities.order_by("name"))


def staff_of_community(community: Community) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(communities=community)
        .select_related("user", "position")
        .order_by("-is_active", "position__name", "user__display_name")
    )
