"""What is cached about a community's residencies (the staff menu's count of bindings awaiting
verification), and its exact invalidation.

Residencies are created, verified, rejected, withdrawn, ended and deleted (with their room or
person) from many places; a receiver on the model sees every save and delete, whoever makes
it, so no path can forget to invalidate. Bulk creation (the import, the demo) sends no signal
and calls `residencies_changed` itself."""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save

from kit.cache import invalidate

from .models import Residency, Room


def pending_scope(community_id: int) -> str:
    return f"community:{community_id}:residencies"


def residencies_changed(community_ids: Iterable[int]) -> None:
    invalidate(*(pending_scope(pk) for pk in set(community_ids)))


def _on_change(sender, instance: Residency, **kwargs) -> None:
    room = instance.room if Residency.room.is_cached(instance) else None
    if room is not None and Room.building.is_cached(room):
        community_id = room.building.community_id
    else:
        community_id = (
            Room.objects.filter(pk=instance.room_id)
            .values_list("building__community_id", flat=True)
            .first()
        )
    if community_id is not None:
        residencies_changed([community_id])


def connect() -> None:
    post_save.connect(_on_change, sender=Residency, dispatch_uid="residency_cache_save")
    post_delete.connect(_on_change, sender=Residency, dispatch_uid="residency_cache_delete")
