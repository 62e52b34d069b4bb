"""The cast: a resident with a family member, staff of the same community, a technician, and an
outsider (resident and staff) from another company's community who must never see the others."""

import datetime as dt
import shutil
import time
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache, caches
from django.utils import translation

from accounts.models import Residency
from accounts.sms import outbox
from accounts.tasks import send_sms_task
from staff.positions import ensure_positions

from . import fast_flush
from .factories import (
    PASSWORD,
    CommunityFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
fast_flush.install()


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD[THH:MM][,...]",
        type=_shanghai_moments,
        default=None,
        help="run the tests marked `dates` once at each of these moments in Asia/Shanghai "
        "(00:00 when no time is given), the clock travelled there and ticking",
    )


def _shanghai_moments(value: str) -> list[dt.datetime]:
    moments = []
    for text in value.split(","):
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError as exc:
            raise pytest.UsageError(f"--today={text}: expected YYYY-MM-DD[THH:MM]") from exc
        if moment.tzinfo is not None:
            raise pytest.UsageError(f"--today={text}: give the time in Asia/Shanghai, no offset")
        moments.append(moment.replace(tzinfo=SHANGHAI))
    return moments


def pytest_generate_tests(metafunc):
    moments = metafunc.config.getoption("today")
    if moments and metafunc.definition.get_closest_marker("dates"):
        metafunc.parametrize(
            "today_moment", moments, indirect=True,
            ids=[f"today={moment:%Y-%m-%dT%H:%M}" for moment in moments],
        )  # fmt: skip


def pytest_collection_modifyitems(config, items):
    """The sweeps first (marker `sweep`: minutes each). pytest-xdist hands tests out in this
    order, and the sweeps, collected last (tests/test_*.py come after the apps' folders), kept
    one worker busy for minutes after the other had run out of tests."""
    items.sort(key=lambda item: item.get_closest_marker("sweep") is None)


@pytest.fixture
def today_moment(request) -> dt.datetime | None:
    """The moment --today put this test at (tests marked `dates` only), or None."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def _today(today_moment):
    """Tests marked `dates` run at each moment of --today (`make test-dates` gives several);
    without it, and for the other tests, the clock is the real one."""
    if today_moment is None:
        yield
        return
    with time_machine.travel(today_moment, tick=True):
        yield


@pytest.fixture
def travel():
    """A clock that starts now and that the test moves forward: travel(seconds). time.time,
    datetime and django.utils.timezone all follow it (codes, limits and the cache expire)."""
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as traveller:
        yield traveller.shift


@pytest.fixture
def start_of_an_hour(travel):
    """The clock moved to one second past the next full hour (UTC), so that the fixed windows
    of accounts.limits (per minute, per hour) that a test fills all begin with it."""
    travel(3600 - time.time() % 3600 + 1)
    return travel


def clear_test_cache() -> None:
    """Forget this run's cache entries. On Redis, cache.clear() would FLUSHDB and take the
    Celery broker's queues (and anyone else's keys) with it, so delete by prefix."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _remove_this_runs_files():
    """Private uploads and the file cache of this run live in folders of their own."""
    yield
    shutil.rmtree(settings.STORAGES["private"]["OPTIONS"]["location"], ignore_errors=True)
    shutil.rmtree(settings.LINLI_BACKUP_DESTINATION, ignore_errors=True)
    shutil.rmtree(settings.LINLI_BACKUP_WORK_DIR, ignore_errors=True)
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        shutil.rmtree(settings.CACHES["default"]["LOCATION"], ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in this thread; start each test in Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clean_cache():
    clear_test_cache()
    yield
    clear_test_cache()


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, and at the end of the session, before it drops the test database, the
    sessions still open on it (PostgreSQL) are ended: now and then a thread or child process of
    a live-server or worker test has not closed its connection yet, and the drop failed with a
    warning ("is being accessed by other users"), leaving the database behind."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _clean_limits_cache(request, django_db_blocker):
    """The "limits" cache (allauth's limits, SMS codes) is a database table that a test's
    rollback empties but the flush after a test that commits does not: empty it around those."""
    if not _commits(request):
        yield
        return
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        caches["limits"].clear()
    yield
    with django_db_blocker.unblock():
        caches["limits"].clear()


@pytest.fixture(autouse=True)
def push_outbox(monkeypatch):
    """Pushes "sent" by the locmem channel backends of this test (notices.channels.outbox).
    The spine's tasks run in-process when queued (after commit: wrap the code under test in
    django_capture_on_commit_callbacks(execute=True), or use transaction=True tests);
    tests/notices/test_worker_*.py prove them on a real worker."""
    from billing.tasks import notify_run_published_task, refund_unapplied_task
    from notices.channels import outbox
    from notices.tasks import deliver_task, fan_out_task, notice_fan_out_task

    def run_in_process(task, args=None, kwargs=None, **options):
        return task.apply(args, kwargs)

    # Every fan-out task: a test must leave no message in the real broker (and a real
    # apply_async would also fix Celery's router before a worker test sets its routes).
    for task in (deliver_task, notice_fan_out_task, fan_out_task, notify_run_published_task,
                 refund_unapplied_task):  # fmt: skip
        monkeypatch.setattr(task.__class__, "apply_async", run_in_process)
    outbox.clear()
    yield outbox
    outbox.clear()


@pytest.fixture(autouse=True)
def sms_outbox(monkeypatch):
    """Every SMS is in `accounts.sms.outbox` when send_sms returns: the SMS task alone runs
    in-process (Task.apply, retries included) instead of through the broker. Celery is not made
    eager for all tasks, so tests/test_celery_worker.py still proves a real worker."""

    def run_in_process(task, args=None, kwargs=None, **options):
        return task.apply(args, kwargs)

    # The task's own class (each Celery task has one): undone cleanly after the test.
    monkeypatch.setattr(send_sms_task.__class__, "apply_async", run_in_process)
    outbox.clear()
    yield outbox
    outbox.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def positions(db):
    ensure_positions()


@pytest.fixture
def community(db):
    return CommunityFactory(name="翠湖花园")


@pytest.fixture
def other_community(db):
    """Another company's community: the outsider's home."""
    return CommunityFactory(name="金桂苑")


@pytest.fixture
def room(community):
    return RoomFactory(building__community=community, building__name="3栋", number="1201", floor=12)


@pytest.fixture
def resident(room):
    return ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001").user


@pytest.fixture
def family_member(room, resident):
    return ResidencyFactory(
        room=room,
        relation=Residency.Relation.FAMILY,
        head=Residency.objects.get(user=resident, room=room),
        user__display_name="李娜",
        user__mobile="13900000002",
    ).user


@pytest.fixture
def staff_user(community, positions):
    return StaffMemberFactory(
        communities=[community], position_name="客服", user__display_name="林客服"
    ).user


@pytest.fixture
def manager(community, positions):
    return StaffMemberFactory(
        communities=[community], position_name="经理", user__display_name="陈经理"
    ).user


@pytest.fixture
def technician(community, positions):
    return StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name="吴师傅"
    ).user


@pytest.fixture
def cashier(community, positions):
    return StaffMemberFactory(
        communities=[community], position_name="收费员", user__display_name="周收费"
    ).user


@pytest.fixture
def outsider_room(other_community):
    return RoomFactory(building__community=other_community, number="801", floor=8)


@pytest.fixture
def outsider(outsider_room):
    return ResidencyFactory(room=outsider_room, user__display_name="王芳").user


@pytest.fixture
def outsider_staff(other_community, positions):
    return StaffMemberFactory(communities=[other_community], position_name="经理").user


@pytest.fixture
def operator(db):
    return UserFactory(display_name="平台运营", is_staff=True, is_superuser=True)


def pass_second_factor(client, user) -> None:
    """Mark `client`'s session as having passed a second factor for `user`, as allauth's login
    flow does after the authenticator code (accounts.mfa.passed_second_factor reads it)."""
    from accounts.allauth_bridge import record_authentication

    request = SimpleNamespace(session=client.session)
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(request, monkeypatch):
    """`client.force_login(manager)` (or an operator) stands for a whole login, code included,
    so that tests of the portals need not repeat it. Tests marked `real_second_factor`
    (tests/accounts/test_second_factor.py) get sessions exactly as the code makes them."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    from django.test import Client

    from accounts.mfa import requires_second_factor

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if requires_second_factor(user):
            pass_second_factor(self, user)

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture
def client_for(client):
    """`client_for(user)`: a test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def latest_migrations_afterwards():
    """For tests that migrate some apps back: every app at its latest migration again
    afterwards, so that the next test on this worker finds every table."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def _usage_recorded_only_where_tested(request, monkeypatch):
    """The residents' portal writes one usage row per user and day (platform_admin.usage):
    a constant of the first request of a day, not of the page. Tests of a page's query bound
    measure the page, so recording is off except in tests marked `usage_recording`, which
    test it, its cost included (tests/platform_admin/test_usage_recording.py)."""
    if request.node.get_closest_marker("usage_recording"):
        return
    from platform_admin.usage import recording

    monkeypatch.setattr(recording, "record_use", lambda user, feature, **kwargs: False)


@pytest.fixture
def s3_endpoint(monkeypatch):
    """A real S3 endpoint on localhost (moto's server), spoken to over HTTP by boto3."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bound_templates(monkeypatch):
    """The templates rendered with the request (each runs every context processor)."""
    from django.template.context import RequestContext

    bound = []
    original = RequestContext.bind_template

    def bind_template(self, template):
        bound.append(template.name)
        return original(self, template)

    monkeypatch.setattr(RequestContext, "bind_template", bind_template)
    return bound
