"""The shared cache on Redis, failing soft: while Redis is down or slow, a read is a miss and a
write is dropped, so a page that only uses the cache to save work still answers.

Nothing that must hold (rate limits, SMS codes, lockouts) lives here: those are in the database
(accounts.limits, the "limits" cache). Django's own Redis backend has no switch for this; the
subclass below catches the client's connection errors on the calls a plain cache makes."""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def redis_cache(url: str, *, prefix: str, timeout: float = 1.0) -> dict:
    """CACHES["default"] on Redis at `url`: short timeouts and no retries, so a Redis that is
    down costs a request one refused connection, not seconds of back-off."""
    return {
        "BACKEND": "config.cache.FailSoftRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),
        },
    }


def _fail_soft(fallback):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _UNAVAILABLE as error:
                logger.warning("Cache unavailable, %s skipped: %s", method.__name__, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache; a Redis that cannot be reached is a miss, not an error. `incr` and
    `clear` still raise: a caller of those needs to know."""

    @_fail_soft(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_fail_soft({})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_fail_soft(False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    # add() answers False ("someone was first") so that a caller using it as a lock or a
    # one-time token refuses rather than lets twice through.
    @_fail_soft(False)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @_fail_soft(None)
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @_fail_soft([])
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @_fail_soft(False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @_fail_soft(False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @_fail_soft(None)
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)
