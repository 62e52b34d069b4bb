"""The Celery app of a worker that a fault test wants to kill in the middle of a fan-out:
`celery -A tests.fault_worker worker`. The same app as config.celery, with the spine's chunks
made small and slow (FAULT_CHUNK recipients, FAULT_CHUNK_SECONDS before each); entering its
second chunk it creates the file FAULT_MARKER, the test's cue to kill it there. Nothing of it
runs outside the tests."""

import os
import time

from celery.signals import worker_ready

from config.celery import app

__all__ = ["app"]


@worker_ready.connect
def _small_slow_chunks(**kwargs) -> None:
    from notices import notify

    notify.CHUNK = int(os.environ.get("FAULT_CHUNK", "5"))
    pause = float(os.environ.get("FAULT_CHUNK_SECONDS", "0.3"))
    marker = os.environ.get("FAULT_MARKER", "")
    write_chunk = notify._write_chunk
    calls = []

    def slow_write_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 and marker:
            with open(marker, "w") as cue:
                cue.write("second chunk")
        time.sleep(pause)
        return write_chunk(*args, **kwargs)

    notify._write_chunk = slow_write_chunk
