"""The --today option (tests/conftest.py): tests marked `dates` run with the clock travelled to
that moment in Asia/Shanghai, and ticking; the others keep the real clock. `make test-dates`
runs the marked tests at several dates, so a test that only passes on some days shows."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.dates
def test_the_clock_stands_at_today(today_moment):
    if today_moment is None:
        assert not time_machine.escape_hatch.is_travelling()
        return
    now = timezone.now()
    assert dt.timedelta(0) <= now - today_moment < dt.timedelta(minutes=10)  # there, ticking
    assert timezone.localdate() == today_moment.date()  # the date in Shanghai, not in UTC


def test_an_unmarked_test_keeps_the_real_clock():
    assert not time_machine.escape_hatch.is_travelling()


def run_pytest(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_today_moves_the_clock_of_the_marked_tests_to_shanghai_time():
    # 23:30 on 29 February in Shanghai is 15:30 in UTC: the date is the same, and a leap day.
    # 07:30 on 1 March in Shanghai is still 28 February in UTC.
    result = run_pytest(
        "tests/test_dates.py", "-k", "stands_at_today or real_clock",
        "--today=2028-02-29T23:30,2027-03-01T07:30", "-v",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    for moment in ("2028-02-29T23:30", "2027-03-01T07:30"):
        assert f"test_the_clock_stands_at_today[today={moment}] PASSED" in result.stdout


def test_a_malformed_today_is_a_usage_error():
    result = run_pytest("tests/test_dates.py", "--today=29.02.2028", "--collect-only", "-q")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "YYYY-MM-DD" in result.stderr
