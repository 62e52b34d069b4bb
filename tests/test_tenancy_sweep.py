"""Every staff URL that names an object, walked for objects of another community: 404 each time.

Nothing here lists URLs or models: new staff URLs are found by walking the URL conf, their
keyword names lead to models through `staff.scoping`, and `build_community_world` in
tests/factories.py provides the objects. A module that adds a staff URL is covered at once."""

import re

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from staff import scoping
from staff.positions import ensure_positions

from .factories import CommunityFactory, StaffMemberFactory, build_community_world

KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def staff_routes():
    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield route, name

    return [
        (route, name) for route, name in walk(get_resolver(), "", "") if route.startswith("staff/")
    ]


def routes_with_objects():
    return [(route, name) for route, name in staff_routes() if KWARG.search(route)]


def test_the_sweep_finds_the_staff_urls():
    names = {name for _, name in routes_with_objects()}
    assert {"staff_residents:room_detail", "staff_residents:residency_verify"} <= names


def _objects_for(route, community):
    kwargs, _owner = _objects_and_owner(route, community)
    return kwargs


def _objects_and_owner(route, community):
    """The URL's keywords filled with objects of `community`, and the person who owns them
    when one is a personal object (an inbox message: only its recipient may open it)."""
    kwargs, owner = {}, None
    for kwarg in KWARG.findall(route):
        lookup = scoping.lookup_for(kwarg)
        assert lookup is not None, (
            f"staff URL {route!r} takes {kwarg!r}, which staff.scoping does not know: "
            "register it with staff.scoping.register(...)"
        )
        obj = (
            lookup.model.objects.filter(**{lookup.community_path: community}).order_by("pk").first()
        )
        assert obj is not None, (
            f"no {lookup.model.__name__} in the test world: extend tests.factories."
            "build_community_world"
        )
        kwargs[kwarg] = obj.pk
        if lookup.owner_path:
            owner = getattr(obj, lookup.owner_path)
    return kwargs, owner


def _status(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response.status_code


@pytest.fixture(scope="module")
def two_worlds(django_db_setup, django_db_blocker):
    """The two communities' worlds, built once for the module (they are the same for every URL)
    in a transaction rolled back at its end; each test runs in a savepoint inside it, so what
    one URL's request changes is undone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        ensure_positions()
        home = CommunityFactory(name="翠湖花园")
        elsewhere = CommunityFactory(name="金桂苑")
        build_community_world(home)
        build_community_world(elsewhere)
        # A superuser staff member: no permission check may hide a scoping hole behind a 403.
        member = StaffMemberFactory(
            communities=[home], position_name="经理", user__is_superuser=True
        )
    yield home, elsewhere, member.user
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.mark.sweep
@pytest.mark.req("X-1")
@pytest.mark.parametrize(("route", "name"), routes_with_objects())
def test_staff_of_one_community_get_404_for_every_object_of_another(
    two_worlds, db, client, route, name
):
    home, elsewhere, manager = two_worlds
    client.force_login(manager)

    foreign_url = reverse(name, kwargs=_objects_for(route, elsewhere))
    assert _status(client, foreign_url) == 404, f"{foreign_url} leaks another community's object"

    # The same URL with the community's own object works, so the 404 above is about scope.
    # A personal object (a message) is its owner's, in their community, and no one else's.
    own_kwargs, owner = _objects_and_owner(route, home)
    own_url = reverse(name, kwargs=own_kwargs)
    if owner is not None:
        assert _status(client, own_url) == 404, f"{own_url} leaks another person's object"
        client.force_login(owner)
    assert _status(client, own_url) not in (404, 500), f"{own_url} is broken for its own community"
