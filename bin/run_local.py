"""`make run`: the processes of Procfile.dev (web, Celery worker, beat) side by side, their
output in honcho's format, and all of them stopped gently by Ctrl-C.

honcho's own `start` sends SIGTERM to each process *group*: Celery's pool processes then die
under their parent ("ERROR ... exited with signal 15"), a worker still stopping after five
seconds gets SIGKILL, and honcho exits 130, which make reports as an error. Here SIGTERM goes
to each program alone (the signal docker sends too: the worker's warm shutdown, which lets
running tasks finish and ends with status 0, where SIGINT would end it with 1), its children
are left to it, it has --grace seconds, and a stop asked for ends with "已停止" and exit status
0. A process that ends by itself stops the others, and its status is the exit status.
"""

import argparse
import contextlib
import datetime
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from honcho.colour import get_colours
from honcho.environ import parse_procfile
from honcho.printer import Message, Printer

ROOT = Path(__file__).resolve().parent.parent


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("HOST", "127.0.0.1")
    # One PORT for all (honcho would give the worker PORT+100): the settings build the site's
    # address (LINLI_SITE_URL: receipts' QR codes, links in messages) from HOST and PORT.
    env.setdefault("PORT", "8000")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # The virtualenv's programs (celery) first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class Supervisor:
    def __init__(self, commands: dict[str, str], env: dict[str, str], grace: float):
        self.commands = commands
        self.env = env
        self.grace = grace
        self.printer = Printer(sys.stdout, width=max(len(name) for name in [*commands, "system"]))
        self.colours = dict(zip(commands, get_colours(), strict=False))
        self.processes: dict[str, subprocess.Popen] = {}
        self.readers: list[threading.Thread] = []
        self.stop_asked = threading.Event()
        self.ended = threading.Event()
        # One reader thread per program: honcho's printer writes a line in several pieces.
        self.output_lock = threading.Lock()

    def say(self, text: str, name: str = "system") -> None:
        message = Message("line", text, datetime.datetime.now(), name, self.colours.get(name))
        with self.output_lock:
            self.printer.write(message)

    def relay(self, name: str, process: subprocess.Popen) -> None:
        for line in iter(process.stdout.readline, b""):
            self.say(line.decode("utf-8", "replace").rstrip("\n"), name)
        code = process.wait()
        if self.stop_asked.is_set():
            # runserver has no SIGTERM handler; ended by the signal it was sent, it stopped.
            clean = code in (0, -signal.SIGTERM)
            self.say(f"{name} 已停止 / stopped" + ("" if clean else f" ({code})"))
        self.ended.set()

    def ask_to_stop(self, signum, frame) -> None:
        if self.stop_asked.is_set():
            # A second Ctrl-C: do not wait any longer.
            self.kill_remaining()
        self.stop_asked.set()
        self.ended.set()

    def kill_remaining(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                self.say(f"{name} 未及时停止，强制结束 / did not stop in time, killed")
                os.killpg(process.pid, signal.SIGKILL)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.ask_to_stop)
        signal.signal(signal.SIGTERM, self.ask_to_stop)
        for name, command in self.commands.items():
            # A session of its own: the terminal's Ctrl-C reaches this script only, which asks
            # each program alone to stop, never a program's children.
            process = subprocess.Popen(  # noqa: S602 - the Procfile's commands, as honcho runs them
                command,
                shell=True,
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[name] = process
            self.say(f"{name} started (pid={process.pid})")
            reader = threading.Thread(target=self.relay, args=(name, process), daemon=True)
            reader.start()
            self.readers.append(reader)

        first_to_end = None
        while first_to_end is None and not self.stop_asked.is_set():
            self.ended.wait(1)
            self.ended.clear()
            first_to_end = next(
                (name for name, p in self.processes.items() if p.poll() is not None), None
            )
        if first_to_end and not self.stop_asked.is_set():
            code = self.processes[first_to_end].returncode
            self.say(f"{first_to_end} 已退出 / exited ({code}); stopping the others")
        else:
            self.say("正在停止… / Stopping… (Ctrl-C again to stop at once)")

        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=self.grace)
        for process in self.processes.values():
            remaining = (deadline - datetime.datetime.now()).total_seconds()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(remaining, 0.1))
        self.kill_remaining()
        for process in self.processes.values():
            process.wait()
        for reader in self.readers:
            reader.join(timeout=5)

        if self.stop_asked.is_set():
            self.say("已停止 / Stopped")
            return 0
        code = self.processes[first_to_end].returncode
        return code if code > 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--procfile", default=str(ROOT / "Procfile.dev"))
    parser.add_argument(
        "--grace", type=float, default=30.0, help="seconds a program may take to stop"
    )
    options = parser.parse_args()
    procfile = parse_procfile(Path(options.procfile).read_text(encoding="utf-8"))
    return Supervisor(dict(procfile.processes), environment(), options.grace).run()


if __name__ == "__main__":
    sys.exit(main())
