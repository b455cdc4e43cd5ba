"""A throwaway PostgreSQL server for the test session (Debian's postgresql, started here)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name)
    return candidates[0] if candidates else found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    datadir: Path
    port: int
    run_as: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        pg_ctl = find_bin("pg_ctl")
        if pg_ctl:
            _run([pg_ctl, "-D", str(self.datadir), "-m", "immediate", "stop"], self.run_as, check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _run(cmd: list[str], user: str | None, check: bool = True) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=check, capture_output=True, timeout=120)


def start_server() -> PgServer | None:
    """Starts a fresh cluster on a free loopback port, or None if PostgreSQL is not installed."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    run_as = None
    base = Path(tempfile.mkdtemp(prefix="anju-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
        run_as = "postgres"
        shutil.chown(base, "postgres")
    datadir = base / "data"
    port = free_port()
    _run([initdb, "-D", str(datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
          "--no-sync"], run_as)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run([pg_ctl, "-D", str(datadir), "-o", opts, "-l", str(base / "log"), "-w", "start"], run_as)
    return PgServer(datadir, port, run_as)
