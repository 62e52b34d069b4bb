"""A faster end to the tests that commit (transactional_db, live_server).

Django empties every table after such a test and then sends post_migrate again, which makes
the content types, permissions, periodic tasks, positions and other defaults anew: about a
second a test, for some 130 tests, in every CI pass. Here the first such test ends the way
Django ends it, and what that leaves (the rows post_migrate made) is kept; after every later
one, the tables that hold rows are emptied and the kept rows are put back, as they were. The
database a test starts with is the same either way, down to the ids of those rows."""

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.test import TransactionTestCase

_django_teardown = TransactionTestCase._fixture_teardown
# Per database alias: [(table, column names, rows)] after Django's own flush and post_migrate.
_kept: dict[str, list[tuple[str, list[str], list[tuple]]]] = {}


def install() -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown


def _fixture_teardown(self) -> None:
    aliases = self._databases_names(include_mirrors=False)
    unusual = self.available_apps is not None or self.serialized_rollback or self.reset_sequences
    if unusual or not all(alias in _kept for alias in aliases):
        _django_teardown(self)
        if not unusual:
            for alias in aliases:
                _kept[alias] = _rows_of(connections[alias], _tables_with_rows(connections[alias]))
        return
    for alias in aliases:
        _restore(alias)


def _tables_with_rows(connection) -> list[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    query = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608 (model tables)
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        return [row[0] for row in cursor.fetchall()]


def _rows_of(connection, tables: list[str]) -> list[tuple[str, list[str], list[tuple]]]:
    kept = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            if connection.vendor == "sqlite":
                # Read back as dates and times, which sqlite3 cannot bind: as Django stores them.
                adapt = connection.ops.adapt_unknown_value
                rows = [tuple(adapt(value) for value in row) for row in rows]
            kept.append((table, columns, rows))
    return kept


def _restore(alias: str) -> None:
    connection = connections[alias]
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # Every foreign key is deferred (Django makes them so on both databases): the order of
        # the deletes and inserts does not matter before the commit.
        for table in _tables_with_rows(connection):
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        for table, columns, rows in _kept[alias]:
            if rows:
                names = ", ".join(quote(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                    rows,
                )
    ContentType.objects.clear_cache()
