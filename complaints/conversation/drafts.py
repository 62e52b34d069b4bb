"""What was typed into a message that could not be sent, kept in the session across the
redirect back to the complaint's page (both portals' detail views belong to other parts, so
the page is never re-rendered here; the thread's template tag puts the text back)."""

from django.http import HttpRequest


def _key(side: str, complaint_id: int) -> str:
    return f"complaints.draft.{side}.{complaint_id}"


def keep(request: HttpRequest, side: str, complaint_id: int, data: dict) -> None:
    request.session[_key(side, complaint_id)] = data


def take(request: HttpRequest, side: str, complaint_id: int) -> dict:
    session = getattr(request, "session", None)
    if session is None:
        return {}
    return session.pop(_key(side, complaint_id), None) or {}
