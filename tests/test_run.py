"""`anju run` starts the service and Ctrl-C stops it cleanly, losing nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_run_serves_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    config = tmp_path / "anju.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "anju.db"}"\n[web]\nport = 0\n', encoding="utf-8"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if line.startswith("Web chat: "):
                url = line.removeprefix("Web chat: ").strip()
            if "Anju is running" in line:
                break
        assert url, "the service did not announce its web chat"
        with urllib.request.urlopen(f"{url}healthz", timeout=10) as response:
            health = json.loads(response.read())
        assert health["ok"] is True
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        rest = proc.stderr.read()
        assert "Anju stopped" in rest and "Traceback" not in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
