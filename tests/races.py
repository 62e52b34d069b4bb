"""Real concurrent transactions, for the race guards: `postgres_only` skips where the database
cannot race, and `at_once` runs callables in threads released together, each on its own
connection."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

postgres_only = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (SELECT … FOR UPDATE) and serialises writers with a file "
    "lock, so concurrent transactions cannot race there; run with DATABASE_URL=postgres://…",
)


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in a thread of its own, all released by one barrier; returns their
    results in the order they finished and fails with the errors any of them raised."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
