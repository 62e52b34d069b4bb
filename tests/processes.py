"""Helpers for tests that start real processes (a Celery worker, gunicorn) on the test
database."""


def database_url_of(connection) -> str:
    """A DATABASE_URL naming the database `connection` uses (the test database in a test)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
