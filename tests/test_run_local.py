"""`make run` starts Procfile.dev through bin/run_local.py: one HOST and PORT for all, and
Ctrl-C stops every program gently and ends with a clean message and status 0."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A program like the worker: it ends cleanly on SIGTERM, and its child (like a pool process)
# would complain if a signal meant for its parent reached it.
PROGRAM = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    name = sys.argv[1]
    child = subprocess.Popen([sys.executable, "-c", '''
    import signal, sys, time
    def hit(signum, frame):
        print("CHILD HIT BY", signum, flush=True)
        sys.exit(1)
    signal.signal(signal.SIGINT, hit)
    signal.signal(signal.SIGTERM, hit)
    time.sleep(600)
    '''])
    def stop(signum, frame):
        print(name, "stopping on", signal.Signals(signum).name, flush=True)
        time.sleep(0.5)
        child.kill()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print(name, "ready", os.environ["DJANGO_SETTINGS_MODULE"], os.environ["HOST"],
          os.environ["PORT"], flush=True)
    time.sleep(600)
    """
)


def start(tmp_path, procfile: str, *args: str, **env) -> subprocess.Popen:
    (tmp_path / "program.py").write_text(PROGRAM)
    (tmp_path / "Procfile").write_text(procfile.replace("PROGRAM", str(tmp_path / "program.py")))
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PORT")}
    return subprocess.Popen(
        [sys.executable, "bin/run_local.py", "-f", str(tmp_path / "Procfile"), *args],
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process: subprocess.Popen, needles: list[str], seconds: float = 30) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while not all(needle in seen for needle in needles):
        assert time.monotonic() < deadline, seen
        line = process.stdout.readline()
        assert line, seen
        seen += line
    return seen


def test_ctrl_c_stops_every_program_gently_and_cleanly(tmp_path):
    process = start(
        tmp_path,
        "web: exec python PROGRAM web\nworker: exec python PROGRAM worker\n",
        HOST="127.0.0.1",
        PORT="8201",
    )
    started = read_until(process, ["web ready", "worker ready"])
    # One address for every program, and the local settings unless told otherwise.
    assert "web ready config.settings.local 127.0.0.1 8201" in started
    assert "worker ready config.settings.local 127.0.0.1 8201" in started
    time.sleep(0.5)
    # What the terminal's Ctrl-C does: the programs run in sessions of their own.
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "web stopping on SIGTERM" in rest and "worker stopping on SIGTERM" in rest
    assert "CHILD HIT BY" not in rest, "a program's children are its own to stop"
    assert "killed" not in rest and "SIGKILL" not in rest and "ERROR" not in rest
    assert "web 已停止 / stopped\n" in rest and "worker 已停止 / stopped\n" in rest
    assert rest.rstrip().endswith("已停止 / Stopped")


def test_a_program_that_does_not_stop_is_killed_after_the_grace_period(tmp_path):
    process = start(
        tmp_path,
        "web: exec python PROGRAM web\n"
        "stubborn: exec python -c 'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(\"up\", flush=True); time.sleep(600)'\n",
        "--grace",
        "1",
    )
    read_until(process, ["web ready", "up"])
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "stubborn 未及时停止，强制结束 / did not stop in time, killed" in rest
    assert rest.rstrip().endswith("已停止 / Stopped")


def test_a_program_that_fails_stops_the_others_and_the_run(tmp_path):
    process = start(
        tmp_path,
        "web: exec python PROGRAM web\nbroken: sleep 1; exit 3\n",
    )
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 3, output
    assert "broken 已退出 / exited (3)" in output
    assert "web stopping on SIGTERM" in output


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_procfile_programs_replace_their_shell(name):
    """So that the SIGINT sent to the process reaches the program, not a `sh -c`."""
    procfile = (ROOT / "Procfile.dev").read_text(encoding="utf-8")
    line = next(line for line in procfile.splitlines() if line.startswith(f"{name}:"))
    assert line.split(":", 1)[1].split()[0] == "exec", line


def test_make_run_goes_through_the_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "bin/run_local.py -f Procfile.dev" in makefile
    assert "export HOST ?=" in makefile and "export PORT ?=" in makefile
