"""Progress lines for long commands (tigris/progress.py): on a terminal,
`tigris compile` and `tigris analyze` print one line per pipeline stage with
the elapsed seconds on stderr; piped, or with --json, nothing."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

LINE = re.compile(r"^tigris: \[\s*\d+\.\d s\] (.+)$")


def _run(argv, tty: bool) -> tuple[int, str, str]:
    """Run `tigris argv` with stderr on a pseudo-terminal (tty) or a pipe;
    (exit code, stdout, stderr)."""
    cmd = [sys.executable, "-m", "tigris.cli", *argv]
    if not tty:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr
    master, slave = os.openpty()
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:      # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out = p.stdout.read().decode()
        p.stdout.close()
        rc = p.wait(timeout=120)
    finally:
        os.close(master)
    return rc, out, b"".join(chunks).decode().replace("\r\n", "\n")


def _stages(stderr: str) -> list[str]:
    return [m.group(1) for m in map(LINE.match, stderr.splitlines()) if m]


def test_compile_shows_stages_on_a_terminal_only(tmp_path):
    model = str(zoo.build("ds_cnn"))
    argv = ["compile", model, "-m", "8K+1M", "-o", str(tmp_path / "m.tgrs")]
    rc, _, err = _run(argv, tty=True)
    assert rc == 0, err
    assert _stages(err) == ["import", "legalize", "schedule", "tile", "offsets", "lower",
                            "write", "done"], err
    assert err.rstrip().splitlines()[-1].startswith("tigris: wrote ")
    rc, _, err = _run(argv, tty=False)
    assert rc == 0 and _stages(err) == [] and err.startswith("tigris: wrote "), err


def test_analyze_progress_on_a_terminal_but_not_with_json(tmp_path):
    model = str(zoo.build("ds_cnn"))
    rc, out, err = _run(["analyze", model, "-m", "8K+1M"], tty=True)
    assert rc == 0, err
    stages = _stages(err)
    assert stages[0] == "import" and "tile" in stages and stages[-1] == "done", err
    assert "Peak memory" in out and "tigris: [" not in out     # the report stays clean
    rc, out, err = _run(["analyze", model, "-m", "8K+1M", "--json"], tty=True)
    assert rc == 0 and _stages(err) == [] and out.startswith("{"), err
