"""Timing a page the way every bench does: `repeat` requests through Django's test client, each
made by the view (the page cache of kit.pagecache off, which would otherwise answer all but the
first from Redis), with the SQL queries of the last counted."""

import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class PageTiming:
    median_ms: float
    fastest_ms: float
    first_ms: float
    queries: int  # of the last request
    status: int  # of the last request


def time_page(client, url: str, params: dict | None = None, *, repeat: int = 5,
              warm: bool = False) -> PageTiming:  # fmt: skip
    """`warm`: one request first, not timed (the session, the positions, the templates)."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    timings = []
    with override_settings(LINLI_PAGE_CACHE_SECONDS=0):
        if warm:
            client.get(url, params)
        for _ in range(repeat):
            connection.queries_log.clear()  # a full log (9000) would capture nothing
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url, params)
                timings.append((time.perf_counter() - began) * 1000)
    return PageTiming(
        median_ms=statistics.median(timings),
        fastest_ms=min(timings),
        first_ms=timings[0],
        queries=len(queries.captured_queries),
        status=response.status_code,
    )
