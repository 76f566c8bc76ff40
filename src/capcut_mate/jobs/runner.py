"""Where a render runs: one small interface, a child process in production and a thread in tests.

The pool (jobs/pool.py) starts a render from its RenderSpec, reads its events (jobs/protocol.py) and may
kill it; it does not know which runner it has, as an httpx client does not know its transport.
`SubprocessRunner` is the real isolation: a crashing decoder or the OS killing a render for memory never
takes the worker down, and a kill stops ffmpeg with it. `InProcessRunner` runs the same renderer
(jobs/render_one.run) on a thread of this process, its spec and events through the same codec: no
interpreter start-up and imports per render, for tests whose meaning does not depend on the process
boundary. It cannot stop a render midway: `kill` stops listening, and the render's thread finishes (or
fails on its removed scratch) before the block ends.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from capcut_mate.jobs.protocol import Event, RenderSpec, decode_event, decode_spec, encode_event, encode_spec

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm

RENDER_MODULE = "capcut_mate.jobs.render_one"


class RunningRender(Protocol):
    def events(self) -> Iterator[Event]:
        """The render's events in order, until it ends or is killed."""

    def kill(self) -> None:
        """Stop the render (from any thread); its events end."""

    def wait(self) -> int:
        """The exit status once the render has ended (0 for a render that ran in this process)."""

    def log_tail(self) -> str:
        """The end of what the render wrote to its log: the clue when it ended without saying why."""


class Runner(Protocol):
    def start(self, spec: RenderSpec, log_path: Path) -> contextlib.AbstractContextManager[RunningRender]:
        """A running render of `spec`, logging to `log_path`, ended and cleaned up when the block ends."""


class SubprocessRunner:
    """Each render a `python -m capcut_mate.jobs.render_one` process, in a process group of its own."""

    @contextlib.contextmanager
    def start(self, spec: RenderSpec, log_path: Path) -> Iterator[RunningRender]:
        with open(log_path, "wb") as log_file:
            child = subprocess.Popen(
                [sys.executable, "-m", RENDER_MODULE, str(spec.work_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                # Its own process group (killed as one, ffmpeg included) but the server's session: with
                # sched_autogroup each new session is scheduled as an equal peer, and the render's low
                # priority would count only inside it, so the API would no longer win the CPU.
                process_group=0,
            )
        render = _ChildRender(child, log_path)
        try:
            assert child.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # it died at once: wait() and the log say why
                child.stdin.write(encode_spec(spec))
                child.stdin.flush()  # stdin stays open: its end of file tells the child this process died
            yield render
        finally:
            render.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()


class _ChildRender:
    def __init__(self, child: subprocess.Popen[bytes], log_path: Path) -> None:
        self.child, self.log_path = child, log_path

    def events(self) -> Iterator[Event]:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            event = decode_event(line)
            if event is not None:
                yield event

    def kill(self) -> None:
        if self.child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.child.pid, signal.SIGKILL)

    def wait(self) -> int:
        return self.child.wait()

    def log_tail(self) -> str:
        return _tail(self.log_path)


class InProcessRunner:
    """Each render a thread of this process running the real renderer; `farm` is this process's (cluster
    mode) or None. For tests: see the module's docstring for what it cannot do."""

    def __init__(self, farm: RenderFarm | None = None) -> None:
        self.farm = farm

    @contextlib.contextmanager
    def start(self, spec: RenderSpec, log_path: Path) -> Iterator[RunningRender]:
        render = _ThreadRender(log_path)
        farm = self.farm if spec.cluster else None
        thread = threading.Thread(target=render.run, args=(spec, farm), daemon=True, name="render")
        thread.start()
        try:
            yield render
        finally:
            render.kill()
            thread.join()


_END = None  # after the last event


class _ThreadRender:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._killed = threading.Event()

    def run(self, spec: RenderSpec, farm: RenderFarm | None) -> None:
        """The render, its spec and events passed through the codec as a child's are: what cannot cross the
        process boundary fails here too."""
        from capcut_mate.jobs.render_one import run

        def emit(event: Event) -> None:
            read = decode_event(encode_event(event))
            if read is not None:  # as a child's line that is no event: skipped
                self._events.put(read)

        try:
            run(decode_spec(encode_spec(spec)), emit, farm)
        finally:
            self._events.put(_END)

    def events(self) -> Iterator[Event]:
        while not self._killed.is_set():
            event = self._events.get()
            if event is _END or self._killed.is_set():
                return
            yield event

    def kill(self) -> None:
        self._killed.set()
        self._events.put(_END)

    def wait(self) -> int:
        return 0

    def log_tail(self) -> str:
        return _tail(self.log_path)


def _tail(path: Path, limit: int = 600) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return text[-limit:]
