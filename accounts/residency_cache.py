"""What is cached about a community's residencies (the staff menu's count of bindings awaiting
verification), and its exact invalidation.

Residencies are created, verified, rejected, withdrawn, ended and deleted (with their room or
person) from many places; a receiver on the model sees every save and delete, whoever makes
it, so no path can forget to invalidate; it does so when the count can change (a pending
binding created or deleted, a status saved). Bulk writes (the import, the demo) send no signal
and call `residencies_changed` themselves."""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save

from kit.cache import invalidate

from .models import Residency, Room


def pending_scope(community_id: int) -> str:
    return f"community:{community_id}:residencies"


def residencies_changed(community_ids: Iterable[int]) -> None:
    invalidate(*(pending_scope(pk) for pk in set(community_ids)))


def _counts_may_change(instance: Residency, created: bool, update_fields) -> bool:
    """Whether a save can change the count of bindings awaiting verification: a new pending
    binding, or a saved status (a full save may have changed it)."""
    if created:
        return instance.status == Residency.Status.PENDING
    return update_fields is None or "status" in update_fields


def _on_save(sender, instance: Residency, created: bool = False, update_fields=None, **kwargs):
    if _counts_may_change(instance, created, update_fields):
        _changed(instance)


def _on_delete(sender, instance: Residency, **kwargs) -> None:
    if instance.status == Residency.Status.PENDING:
        _changed(instance)


def _changed(instance: Residency) -> None:
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
    post_save.connect(_on_save, sender=Residency, dispatch_uid="residency_cache_save")
    post_delete.connect(_on_delete, sender=Residency, dispatch_uid="residency_cache_delete")
