"""A PostgreSQL of the test's own, to restart and stop at will: initdb in a temporary folder, a free
loopback port, trust authentication, the server binaries of the machine (PostgreSQL 15 on Debian).

initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser) in a folder
it owns; as anyone else it runs as that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port


def pg_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (CAPCUT_MATE_TEST_PG_BIN, else Debian's newest, else PATH), or None."""
    configured = os.environ.get("CAPCUT_MATE_TEST_PG_BIN")
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    found = shutil.which("initdb")
    for folder in [*([Path(configured)] if configured else []), *debian, *([Path(found).parent] if found else [])]:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class PrivatePostgres:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="capcut-faults-pg-"))  # not under pytest's root-only tmp
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._user, *args], capture_output=True, text=True, timeout=120, cwd=self.root)
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}\n{tail}")

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, *args)

    def init(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        return self

    def start(self) -> None:
        self._pg_ctl("start", "-w", "-t", "60")

    def stop(self) -> None:
        """Immediate: every connection dropped at once, as when the database's machine goes away."""
        self._pg_ctl("stop", "-m", "immediate", "-w")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "immediate", "-w", "-t", "60")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self._pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)
