from django.db import connection


def analyze(*models) -> None:
    """Planner statistics for the tables of `models` after a bulk load (what autovacuum does a
    minute later): without them PostgreSQL believes the tables empty and joins them by nested
    loops, row by row."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
