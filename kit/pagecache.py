"""Whole pages cached per visitor, invalidated by what they were made from (issue 21).

A view decorated with ``cache_page_per_visitor`` is stored with the generation (kit.cache) of
every table its SQL read and of every kit.cache scope its cached values came from, each read
before the data was. Every statement that changes rows, on any connection of any process (web,
worker, beat, commands), moves the generation of its tables on once it is committed: a database
execute wrapper sees it. ``note_write(table)`` does the same for writes the wrapper cannot see
(COPY). A stored page is answered only while all of its generations are unchanged, so it never
shows data older than the database's. Coarse (a paid bill makes every page that read bills
again), never stale.

What the SQL does not show is in the key or bounded by time: the key holds the visitor's cookies
(the session and so the user), the session's contents, the address, the language, the user agent
(WeChat), htmx's headers and today's date (a bill falls due at midnight); a page lives at most
LINLI_PAGE_CACHE_SECONDS, for what moves with the clock within a day (a notice that ends at
14:00) and for a generation lost while the cache could not be reached. A page that shows flash
messages, wrote, set a cookie, changed the session or used a CSP nonce is not stored. Off when
the setting is 0: in tests (but their own) and without Redis.
"""

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from . import cache as scoped

logger = logging.getLogger(__name__)
T = TypeVar("T")

KEY_PREFIX = "pc"
# Past this share of its life a page is made again by one visitor, the others answered the old.
REMAKE_AFTER = 0.8
# How long a request making a page holds it, and how long others wait for it at most.
MAKING_SECONDS = 10
WAIT_SECONDS = 3.0
# A value cached on tables lives at most this long: a move lost while Redis was unreachable
# at a commit is forgotten by then.
TABLE_CACHED_SECONDS = 5 * 60
# The statement's tables: quoted the way Django writes them, or bare in hand-written SQL.
READ_TABLES = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_]\w*)', re.IGNORECASE)
WRITE_TABLES = re.compile(
    r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?([A-Za-z_]\w*)',
    re.IGNORECASE,
)
# Not what a page shows: the session (its cookie and contents are in the key) and the
# rate limits' table, both written by most requests, and the invalidations kept while the
# cache is unreachable (writing one must not keep another).
IGNORED_TABLES = frozenset({"django_session", "linli_limits_cache", "kit_pendinginvalidation"})
# The headers of a request that a page may be made from.
KEY_HEADERS = (
    "HTTP_HOST",
    "HTTP_USER_AGENT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_HX_REQUEST",
    "HTTP_HX_BOOSTED",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_TRIGGER_NAME",
    "wsgi.url_scheme",
)
# What middleware set on the request from the database before the view runs.
MIDDLEWARE_ROWS = ("user", "staff_member", "community")


def table_scope(table: str) -> str:
    return f"table:{table}"


def enabled() -> bool:
    return _lifetime() > 0


# --- What a page is made from -------------------------------------------------------------------


@dataclass
class _Making:
    """The page being made: the generation of each scope it read, as it was before the read."""

    known: dict[str, int] = field(default_factory=dict)  # generations already fetched
    generations: dict[str, int] = field(default_factory=dict)
    spoilt: bool = False  # wrote, or could not learn a generation: not stored

    def read(self, scopes: list[str]) -> None:
        new = [scope for scope in dict.fromkeys(scopes) if scope not in self.generations]
        if not new or self.spoilt:
            return
        unknown = [scope for scope in new if scope not in self.known]
        if unknown:
            try:
                self.known.update(zip(unknown, scoped.generations(unknown), strict=True))
            except Exception:  # any cache backend's connection error
                logger.warning("cache unreachable: page not stored", exc_info=True)
                self.spoilt = True
                return
        for scope in new:
            self.generations[scope] = self.known[scope]


_making: ContextVar[_Making | None] = ContextVar("linli_page_making", default=None)


def depends_on(scopes: list[str], generations: list[int] | None = None) -> None:
    """The page being made (if any) shows data of `scopes`: kit.cache values read under these
    `generations`, or tables read from another cache (kit.parameters), fetched now."""
    making = _making.get()
    if making is None:
        return
    if generations is not None:
        making.known.update(zip(scopes, generations, strict=True))
    making.read(scopes)


# --- Writes -------------------------------------------------------------------------------------


def note_write(connection, tables: list[str]) -> None:
    """`tables` changed on `connection`: pages made from them are made again once that is
    committed (now, outside a transaction)."""
    scopes = [table_scope(table) for table in tables if table not in IGNORED_TABLES]
    if not scopes:
        return
    making = _making.get()
    if making is not None:
        making.spoilt = True
    if connection.in_atomic_block:
        pending = connection.__dict__.setdefault("linli_written_tables", set())
        pending.update(scopes)
        # One callback a statement, each cheap: the first to run advances them all. Django drops
        # the callbacks of a rolled-back savepoint, so a single one could be lost with it.
        transaction.on_commit(partial(_advance_pending, connection), using=connection.alias)
    else:
        # Within the statement's execute: sqlite3 may still hold it open (INSERT … RETURNING
        # until its rows are read), and a write now could take the statement's own with it.
        _advance(scopes, keep=connection.vendor != "sqlite")


def is_invalidation(callback) -> bool:
    """Whether an on_commit callback is one of ours (for tests that count the others)."""
    return getattr(callback, "func", None) is _advance_pending


def _advance_pending(connection) -> None:
    pending = connection.__dict__.get("linli_written_tables")
    if pending:
        scopes = sorted(pending)
        pending.clear()
        _advance(scopes)


def _advance(scopes: list[str], keep: bool = True) -> None:
    # Committed already: kept to be moved on when the cache cannot be reached (kit.cache), or
    # else the pages made before expire within LINLI_PAGE_CACHE_SECONDS, values on tables sooner.
    scoped.advance_or_keep(tuple(scopes), keep=keep)


def _watch(execute, sql, params, many, context):
    head = sql.lstrip()[:6].upper()
    making = _making.get()
    if making is not None and head in ("SELECT", "WITH"):
        making.read([table_scope(table) for table in READ_TABLES.findall(sql)])
    result = execute(sql, params, many, context)
    if head != "SELECT":
        # A plain INSERT names its table first: no need to scan a thousand rows of VALUES.
        written = WRITE_TABLES.findall(sql[:200] if head == "INSERT" else sql)
        # An UPDATE or DELETE that matched nothing changed nothing (-1: not known). An INSERT
        # counts always: sqlite3 counts the rows of INSERT … RETURNING only once fetched.
        if written and (head == "INSERT" or context["cursor"].rowcount != 0):
            note_write(context["connection"], written)
    return result


def cached_on_tables(name: str, models, compute: Callable[[], T]) -> T:
    """``compute()``, cached (kit.cache) until a row of one of the `models`' tables is written
    and committed. Inside a transaction it is computed: its own writes are not committed yet."""
    if connection.in_atomic_block:
        return compute()
    scopes = [table_scope(model._meta.db_table) for model in models]
    return scoped.cached(name, scopes, compute, timeout=TABLE_CACHED_SECONDS)


def watch_connection(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Every database connection opened from now on reports its writes (and, while a page is
    made, its reads)."""
    connection_created.connect(watch_connection, dispatch_uid="kit.pagecache.watch")


# --- Pages --------------------------------------------------------------------------------------


@dataclass
class _Stored:
    scopes: tuple[str, ...]
    generations: tuple[int, ...]
    headers: list[tuple[str, str]]
    content: bytes
    uses_csrf_token: bool
    made_at: float  # time.time()


def _page_key(request: HttpRequest, *, new_csrf_cookie: bool = False) -> str:
    session = getattr(request, "session", None)
    session_items = sorted(session.items()) if session is not None else []
    # Rows the middleware read before the view (the user, the staff member and communities):
    # as they are now, since the page's record of its reads starts with the view.
    cookies = dict(request.COOKIES)
    if new_csrf_cookie:
        # The one the answer sets, which the visitor's next request brings.
        cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    made_of = json.dumps(
        [
            request.get_full_path(),
            sorted(cookies.items()),
            session_items,
            [_row(getattr(request, name, None)) for name in MIDDLEWARE_ROWS],
            [_row(community) for community in getattr(request, "staff_communities", ())],
            sorted(getattr(request, "staff_positions", {}).items()),
            [request.META.get(name, "") for name in KEY_HEADERS],
            getattr(request, "LANGUAGE_CODE", ""),
            str(timezone.localdate()),
        ],
        default=str,
        ensure_ascii=False,
    )
    user_id = getattr(request.user, "pk", None) or 0
    return f"{KEY_PREFIX}:{user_id}:" + hashlib.sha256(made_of.encode()).hexdigest()


def _row(instance) -> dict:
    if instance is None or not hasattr(instance, "_state"):
        return {}
    if isinstance(instance, SimpleLazyObject):
        instance.pk  # noqa: B018 - evaluates it
        instance = instance._wrapped
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def _pending_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _answer(request: HttpRequest, stored: _Stored) -> HttpResponse:
    if stored.uses_csrf_token:
        # As get_token() would have: the CSRF cookie's expiry is renewed.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    response = HttpResponse(stored.content)
    for name, value in stored.headers:
        response.headers[name] = value
    return response


def _storable(request: HttpRequest, response: HttpResponse, making: _Making) -> bool:
    session = getattr(request, "session", None)
    return (
        not making.spoilt
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
        and not (session is not None and session.modified)
        and not _pending_messages(request)
        # A CSP nonce is good for one answer only (django-csp makes it when a page asks).
        and not isinstance(getattr(request, "_csp_nonce", None), str)
    )


def _lifetime() -> int:
    return getattr(settings, "LINLI_PAGE_CACHE_SECONDS", 0)


def _stored_page(key: str) -> tuple[_Stored | None, tuple[int, ...]]:
    """The page kept under `key` (or None) and the current generations of what it was made of."""
    stored: _Stored | None = cache.get(key)  # the cache backend pickles it
    if stored is None:
        return None, ()
    return stored, tuple(scoped.generations(list(stored.scopes)))


def _claim(key: str) -> bool:
    return cache.add(f"{key}:making", 1, MAKING_SECONDS)


def _release(key: str) -> None:
    try:
        cache.delete(f"{key}:making")
    except Exception:
        logger.warning("cache unreachable: claim on %s left to expire", key, exc_info=True)


def _made_elsewhere(key: str) -> _Stored | None:
    """The page another request is making under `key`, once it is stored; None when that
    request gave up or stored nothing, or after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        stored, current = _stored_page(key)
        if stored is not None and current == stored.generations:
            return stored
        if cache.get(f"{key}:making") is None:
            return None
    return None


def _make(request: HttpRequest, view, args, kwargs, key: str, making: _Making) -> HttpResponse:
    had_csrf_cookie = "CSRF_COOKIE" in request.META
    token = _making.set(making)
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    finally:
        _making.reset(token)
    if _storable(request, response, making):
        if not had_csrf_cookie and "CSRF_COOKIE" in request.META:
            # A token of a secret made for this request: good with the cookie it sets.
            key = _page_key(request, new_csrf_cookie=True)
        stored = _Stored(
            scopes=tuple(making.generations),
            generations=tuple(making.generations.values()),
            headers=list(response.headers.items()),
            content=response.content,
            uses_csrf_token=bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")),
            made_at=time.time(),
        )
        try:
            cache.set(key, stored, _lifetime())
        except Exception:
            logger.warning("cache unreachable: page not stored", exc_info=True)
    return response


def cache_page_per_visitor(view):
    """The view's GET answers, kept per visitor until what they were made from changes (see the
    module). For views that only read, below the decorators that check who may see them."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs):
        if request.method != "GET" or not enabled() or _pending_messages(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        making = _Making()
        try:
            stored, current = _stored_page(key)
            if stored is not None and current == stored.generations:
                # Good still. Near the end of its life one visitor makes it again while the
                # others are answered this one, so that it never expires under a crowd.
                if time.time() - stored.made_at < _lifetime() * REMAKE_AFTER or not _claim(key):
                    return _answer(request, stored)
                remade, current = _stored_page(key)  # by the visit that held the claim till now
                if remade is not None and remade.made_at > stored.made_at:
                    _release(key)
                    if current == remade.generations:
                        return _answer(request, remade)
            else:
                if stored is not None:
                    making.known.update(zip(stored.scopes, current, strict=True))
                # Made by another request right now (the same visitor's other tab, a crowd on
                # one page): wait for it rather than making it again beside it.
                if not _claim(key):
                    stored = _made_elsewhere(key)
                    if stored is not None:
                        return _answer(request, stored)
                    _claim(key)
        except Exception:
            logger.warning("cache unreachable: page made without it", exc_info=True)
            return view(request, *args, **kwargs)
        try:
            return _make(request, view, args, kwargs, key, making)
        finally:
            _release(key)

    return cached_view
