"""Cached values with exact invalidation, by scope.

A scope names whose data a value depends on: ``household:<room id>``, ``user:<id>``,
``community:<id>``. Each scope has a generation number in the cache; a value is stored under the
generations of all the scopes it depends on. ``invalidate(scope)`` moves that scope's generation on
once the transaction commits, so every value that depends on it is recomputed on its next read
(the old entries expire on their own). A lost or evicted generation starts again from the clock,
never from a number that was used before, so an old value cannot come back.

The generation moves on when ``invalidate`` is called and again when the transaction commits, so a
value computed from the data before the commit is never read after it.

A write is never refused because the cache cannot be reached: the scopes it could not move on are
written to the database with it (``PendingInvalidation``), and ``replay_pending`` (a periodic
task, every minute) moves them on once the cache answers again. A Redis that restarted lost every
generation anyway (each starts again from the clock); one that was only out of reach may answer
a value older than the write until the next replay, a minute at most.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TypeVar

from django.core.cache import cache
from django.db import DatabaseError, transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)

KEY_PREFIX = "kc"
# Values live at most this long even if nothing invalidates them (seconds).
DEFAULT_TIMEOUT = 60 * 60
# Generations outlive any value stored under them.
GENERATION_TIMEOUT = DEFAULT_TIMEOUT * 24
MAX_KEY_LENGTH = 200


def _generation_key(scope: str) -> str:
    return f"{KEY_PREFIX}:g:{scope}"


def generations(scopes: tuple[str, ...] | list[str]) -> list[int]:
    """The current generation of each scope (started now where there is none)."""
    keys = [_generation_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    missing = {key: time.time_ns() for key in keys if key not in found}
    if missing:
        for key, value in missing.items():
            # add, not set: a concurrent reader that started the generation first wins.
            if not cache.add(key, value, GENERATION_TIMEOUT):
                missing[key] = cache.get(key, value)
        found.update(missing)
    return [found[key] for key in keys]


def cached(
    name: str, scopes: Iterable[str], compute: Callable[[], T], timeout: int = DEFAULT_TIMEOUT
) -> T:
    """``compute()``, cached under `name` until any of `scopes` is invalidated. When the cache
    cannot be reached the value is computed each time: a page is slower, never wrong."""
    scopes = tuple(scopes)
    try:
        current = generations(scopes)
    except Exception:  # any cache backend's connection error
        logger.warning("cache unreachable: %s computed without it", name, exc_info=True)
        return compute()
    key = f"{KEY_PREFIX}:v:{name}:" + ":".join(
        f"{scope}@{generation}" for scope, generation in zip(scopes, current, strict=True)
    )
    from .pagecache import depends_on  # kit.pagecache builds on this module

    depends_on(list(scopes), current)
    if len(key) > MAX_KEY_LENGTH:
        # Memcached-safe and warning-free: a user with many rooms has many scopes.
        key = f"{KEY_PREFIX}:v:{name}:h:" + hashlib.sha256(key.encode()).hexdigest()
    sentinel = object()
    try:
        value = cache.get(key, sentinel)
    except Exception:
        logger.warning("cache unreachable: %s computed without it", name, exc_info=True)
        return compute()
    if value is sentinel:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.warning("cache unreachable: %s not stored", name, exc_info=True)
    return value


def invalidate(*scopes: str) -> None:
    """Every value that depends on one of `scopes` is recomputed from now on, and again once the
    current transaction commits: a reader that cached the old data in between is not believed.
    When the cache cannot be reached the scopes are kept to be moved on later (above)."""
    scopes = tuple(dict.fromkeys(scope for scope in scopes if scope))
    if scopes:
        advance_or_keep(scopes)
        transaction.on_commit(partial(advance_or_keep, scopes))


def advance_or_keep(scopes: tuple[str, ...], *, keep: bool = True) -> None:
    """`advance`, or, when the cache cannot be reached, the scopes written to the database (in
    the current transaction, if any: a write rolled back keeps nothing). With `keep` false the
    loss is only logged: what is cached on those scopes lives out its time."""
    try:
        advance(scopes)
    except Exception as error:  # any cache backend's connection error
        if not keep:
            logger.warning("cache unreachable: %s not invalidated: %s", scopes, error)
            return
        logger.warning("cache unreachable: %s kept to be invalidated later: %s", scopes, error)
        _keep(scopes)


def _keep(scopes: tuple[str, ...]) -> None:
    from .models import PendingInvalidation

    try:
        with transaction.atomic():
            PendingInvalidation.objects.bulk_create(
                [PendingInvalidation(scope=scope[:200]) for scope in scopes]
            )
    except DatabaseError as error:
        # Its own savepoint (or transaction) is rolled back, never the write's: what is cached
        # on these scopes lives out its time instead.
        logger.warning("invalidation of %s lost: %s", scopes, error)


def replay_pending(limit: int = 5000) -> int:
    """Moves on the scopes kept while the cache could not be reached, and forgets them; they
    stay for the next try while it still cannot be. Returns how many were moved on."""
    from .models import PendingInvalidation

    pending = list(PendingInvalidation.objects.order_by("pk").values_list("pk", "scope")[:limit])
    if not pending:
        return 0
    try:
        advance(tuple(dict.fromkeys(scope for _pk, scope in pending)))
    except Exception as error:
        logger.warning("cache unreachable: %d invalidations still pending: %s", len(pending), error)
        return 0
    # By id, not up to the last: a row with a lower id may still be committing.
    PendingInvalidation.objects.filter(pk__in=[pk for pk, _scope in pending]).delete()
    return len(pending)


def advance(scopes: tuple[str, ...]) -> None:
    """Moves each scope's generation on, now."""
    for scope in scopes:
        key = _generation_key(scope)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, time.time_ns(), GENERATION_TIMEOUT)
