"""Who may use each staff URL: the committed decision in permission_matrix.yaml, and the code
that measures what the portal really does.

`measure()` walks every URL pattern under /staff/, fills each object keyword (`room_id`,
`member_id`, ...) with an object of the current community (through `staff.scoping` and
`tests.factories.build_community_world`), and requests it as each role: a staff member of every
position, a deactivated staff member, a plain resident and an anonymous visitor. GET first; a
view that answers 405 is sent an empty POST instead. Each request runs in a transaction that
is rolled back, so a POST (verify, deactivate, ...) changes nothing for the next one.

Outcomes: `allowed` (the view ran: 200, a redirect of its own, a form error), `403`, `404`,
and `login` (sent to the login page).

tests/staff/test_permission_matrix.py compares the measurement with the committed file. To
record a deliberate change (a new staff URL, a position that gains or loses a page), regenerate
the file and review its diff like code:

    LINLI_VAR_DIR=$PWD/var/matrix .venv/bin/python -m tests.staff.permission_matrix --write

Without --write the command prints the measured matrix. The test never writes the file.
"""

import argparse
import copy
import logging
import os
import re
import sys
from pathlib import Path

MATRIX_FILE = Path(__file__).with_name("permission_matrix.yaml")

ROLES = [
    "manager",
    "front_desk",
    "cashier",
    "technician",
    "deactivated_staff",
    "resident",
    "anonymous",
]
OUTCOMES = {"allowed", "403", "404", "login"}
KWARG = re.compile(r"<(?:\w+:)?(\w+)>")

HEADER = """\
# Who may use each staff URL (tests/staff/test_permission_matrix.py compares it with the
# portal's real behaviour). One entry per URL name; for each role: allowed, 403, 404 or login.
# Roles: the positions 经理 (manager), 客服 (front_desk), 收费员 (cashier), 维修工 (technician),
# a deactivated staff member, a resident and an anonymous visitor.
# A URL naming a personal object (an inbox message: staff.scoping's owner_path) is measured
# with someone else's, so staff get 404 there; its owner opens it (tests/notices/).
# Regenerate deliberately and review the diff:
#   LINLI_VAR_DIR=$PWD/var/matrix .venv/bin/python -m tests.staff.permission_matrix --write
"""


def staff_url_patterns() -> list[tuple[str, str, object]]:
    """(route, namespaced name, view) of every URL pattern under staff/."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield prefix + str(entry.pattern), name, entry.callback

    return sorted(
        (route, name, view)
        for route, name, view in walk(get_resolver(), "", "")
        if route.startswith("staff/")
    )


def _url(route: str, name: str, community) -> str:
    from django.urls import reverse

    from staff import scoping

    kwargs = {}
    for kwarg in KWARG.findall(route):
        lookup = scoping.lookup_for(kwarg)
        if lookup is None:
            raise AssertionError(
                f"staff URL {route!r} takes {kwarg!r}, which staff.scoping does not know: "
                "register it with staff.scoping.register(...)"
            )
        obj = (
            lookup.model.objects.filter(**{lookup.community_path: community}).order_by("pk").first()
        )
        if obj is None:
            raise AssertionError(
                f"no {lookup.model.__name__} in the test world: extend "
                "tests.factories.build_community_world"
            )
        kwargs[kwarg] = obj.pk
    return reverse(name, kwargs=kwargs)


def _cast(community) -> dict[str, object]:
    from staff.positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN
    from staff.services import staff_member_update
    from tests.factories import ResidencyFactory, RoomFactory, StaffMemberFactory

    cast: dict[str, object] = {}
    for role, position in [
        ("manager", MANAGER),
        ("front_desk", FRONT_DESK),
        ("cashier", CASHIER),
        ("technician", TECHNICIAN),
    ]:
        cast[role] = StaffMemberFactory(communities=[community], position_name=position).user
    former = StaffMemberFactory(communities=[community], position_name=MANAGER)
    staff_member_update(member=former, is_active=False)
    cast["deactivated_staff"] = former.user
    room = RoomFactory(building__community=community)
    cast["resident"] = ResidencyFactory(room=room).user
    cast["anonymous"] = None
    return cast


def _outcome(response) -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 302 and response["Location"].startswith(
        resolve_url(settings.LOGIN_URL)
    ):
        return "login"
    if response.status_code >= 500:
        raise AssertionError(f"{response.request['PATH_INFO']} failed with a server error")
    return "allowed"


def measure() -> dict[str, dict[str, str]]:
    """The portal's real behaviour: {url name: {role: outcome}}. Needs a database."""
    from django.db import transaction
    from django.test import Client

    from tests.factories import CommunityFactory, build_community_world

    community = CommunityFactory(name="翠湖花园")
    # The world first: the objects URLs point at are not the cast's own records.
    build_community_world(community)
    cast = _cast(community)
    # One client per role, signed in once (a login per request was most of the time); each
    # request's rollback restores the session row, and the client's cookies (the session's, a
    # message's) go back to what they were, so every request starts as on a fresh client.
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if cast[role] is not None:
            clients[role].force_login(cast[role])
    matrix: dict[str, dict[str, str]] = {}
    for route, name, _view in staff_url_patterns():
        url = _url(route, name, community)
        row = {}
        for role in ROLES:
            client = clients[role]
            cookies = copy.deepcopy(client.cookies)
            try:
                with transaction.atomic():
                    response = client.get(url)
                    if response.status_code == 405:
                        response = client.post(url)
                    row[role] = _outcome(response)
                    transaction.set_rollback(True)
            finally:
                client.cookies = cookies
        matrix[name] = row
    return matrix


def load(path: Path = MATRIX_FILE) -> dict[str, dict[str, str]]:
    import yaml

    if not path.exists():
        return {}
    return {
        name: {role: str(outcome) for role, outcome in (row or {}).items()}
        for name, row in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()
    }


def dump(matrix: dict[str, dict[str, str]]) -> str:
    import yaml

    ordered = {name: {role: matrix[name][role] for role in ROLES} for name in sorted(matrix)}
    body = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + "\n" + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--write", action="store_true", help=f"overwrite {MATRIX_FILE.name} with the measurement"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    logging.disable(logging.WARNING)  # one "Forbidden" line per refused request is noise here
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        with transaction.atomic():
            matrix = measure()
            transaction.set_rollback(True)
    finally:
        teardown_databases(databases, verbosity=0)
    text = dump(matrix)
    if args.write:
        MATRIX_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {MATRIX_FILE}; review the diff before committing it")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
