"""The sandbox gateway's key is made once, whoever asks for it first and however many ask at
once: threads of one process and separate processes all sign with the key in the file (bench/
payments.py signed in four threads on a fresh var directory and 5 of 1,000 notifications were
refused, each thread having made and cached a key of its own)."""

import multiprocessing
import threading

import pytest
from cryptography.hazmat.primitives import serialization

from billing.online.providers import sandbox

pytestmark = [pytest.mark.req("BIL-3")]

RACERS = 8


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def file_public_pem(path) -> bytes:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return public_pem(key)


@pytest.fixture
def key_path(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    sandbox._private_key_for.cache_clear()
    yield sandbox._key_path()
    sandbox._private_key_for.cache_clear()


def test_threads_asking_at_once_all_get_the_key_in_the_file(key_path):
    barrier = threading.Barrier(RACERS)
    keys, errors = [], []

    def ask():
        try:
            barrier.wait()
            keys.append(public_pem(sandbox.gateway_key()))
        except Exception as error:  # noqa: BLE001 - reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(keys) == RACERS
    assert set(keys) == {file_public_pem(key_path)}
    assert [p.name for p in key_path.parent.iterdir()] == ["gateway.pem"]  # no temporary left


def _key_in_child(path: str, barrier, results) -> None:
    barrier.wait()
    results.put(public_pem(sandbox._private_key_for(path)))


def test_processes_asking_at_once_all_get_the_key_in_the_file(key_path):
    # Forked after the cache was cleared: each child starts with no key, as a fresh worker.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(RACERS)
    results = context.Queue()
    children = [
        context.Process(target=_key_in_child, args=(str(key_path), barrier, results))
        for _ in range(RACERS)
    ]
    for child in children:
        child.start()
    keys = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0

    assert set(keys) == {file_public_pem(key_path)}
    assert [p.name for p in key_path.parent.iterdir()] == ["gateway.pem"]


def test_a_notification_signed_in_one_process_verifies_in_a_process_started_later(key_path):
    payload = {"app_id": sandbox.APP_ID, "method": "wechat", "out_trade_no": "ZF1",
               "total_fen": 100, "state": "paid"}  # fmt: skip
    headers, body = sandbox.sign_notification(payload)
    sandbox._private_key_for.cache_clear()  # as a new worker process: it reads the file
    notice = sandbox.SandboxProvider("wechat").verify_notification(headers, body)
    assert notice.number == "ZF1" and notice.paid
