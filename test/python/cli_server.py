"""`tigris` command lines in processes of their own, without paying Python's start-up each time.

Starting `python -m tigris.cli` costs about 1.5 s of CPU before the command does
anything (importing onnx, numpy and MLIR; most of it ml_dtypes). `run(argv)`
instead asks one warm Python, started on first use and kept for the session,
to fork a child that runs `tigris.cli.main(argv)` exactly as `python -m
tigris.cli` does: its own process, stdin from /dev/null, stdout and stderr
captured at the file-descriptor level, exit code from main's return value or
SystemExit, a traceback and exit code 1 for an exception escaping main, a
signal as a negative return code. The warm process imports modules only; it
never creates an MLIR context, so no thread exists when it forks.
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading

_SERVER = r"""
import contextlib, io, json, os, signal, sys, tempfile, traceback
import tigris.cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        tigris.cli.main(["--version"])     # imports every subcommand, onnx, numpy and MLIR
    except SystemExit:
        pass
requests, replies = sys.stdin, os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
for line in requests:
    argv, timeout = json.loads(line)
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        signal.alarm(timeout)
        try:
            rc = tigris.cli.main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if not isinstance(e.code, (int, type(None))):
                print(e.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            rc = 1
        try:
            sys.stdout.flush(); sys.stderr.flush()
        finally:
            os._exit(rc if isinstance(rc, int) else 1)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    texts = []
    for f in (out, err):
        f.seek(0)
        texts.append(f.read().decode("utf-8", "replace"))
        f.close()
    replies.write(json.dumps([status] + texts) + "\n")
    replies.flush()
"""

_lock = threading.Lock()
_proc: subprocess.Popen | None = None


def _server() -> subprocess.Popen:
    global _proc
    if _proc is None or _proc.poll() is not None:
        _proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        atexit.register(_proc.kill)
    return _proc


def run(argv: list, timeout: int = 60) -> subprocess.CompletedProcess:
    """`tigris ARGV...` in a forked child of the warm process: its exit code, stdout, stderr."""
    argv = [str(a) for a in argv]
    with _lock:
        proc = _server()
        proc.stdin.write(json.dumps([argv, timeout]) + "\n")
        proc.stdin.flush()
        reply = proc.stdout.readline()
    if not reply:
        raise RuntimeError("the warm tigris process died")
    code, out, err = json.loads(reply)
    return subprocess.CompletedProcess(["tigris", *argv], code, out, err)
