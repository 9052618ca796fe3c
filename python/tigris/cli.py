"""The `tigris` command: import, analyze, compile, run.

Every failure is one line on stderr, `tigris: <reason>`, with a fixed exit
code (2: bad model or arguments, 3: does not fit the budget); never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from tigris.errors import TigrisError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints usage; keep it one line
        print(f"tigris: {message}", file=sys.stderr)
        sys.exit(2)


# Options whose values may look like flags (`-m -5K`): argparse would take
# `-5K` for an option, so such pairs are joined as `-m=-5K` before parsing.
_VALUE_OPTIONS = {"-m", "--memory", "-f", "--flash"}


def _join_negative_values(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


class _StderrHandler(logging.StreamHandler):
    """A stream handler on whatever sys.stderr is when a note is written (a
    StreamHandler keeps the stream it was made with)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _show_notes() -> None:
    """Notes the library logs (a model changed to fit the kernels) go to stderr,
    one line each, as `tigris: note: ...`."""
    log = logging.getLogger("tigris")
    if not any(getattr(h, "tigris_notes", False) for h in log.handlers):
        h = _StderrHandler()
        h.setFormatter(logging.Formatter("tigris: note: %(message)s"))
        h.tigris_notes = True
        log.addHandler(h)
        log.propagate = False   # not a second time through a root handler
        log.setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C from the first line on is one line and exit code 130, never a
    # traceback. During the imports of onnx, numpy and MLIR (a few tenths of a second)
    # SIGINT is blocked: a KeyboardInterrupt raised inside a C extension's
    # initialization is not survivable (numpy turns it into an ImportError, the
    # MLIR libraries crash). It stays pending and arrives right after them.
    startup = threading.current_thread() is threading.main_thread() and \
        hasattr(signal, "pthread_sigmask")
    try:
        if startup:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        return _main(argv, startup)
    except KeyboardInterrupt:
        print("tigris: interrupted", file=sys.stderr)
        return 130
    finally:
        if startup:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _main(argv: list[str] | None, startup: bool) -> int:
    if hasattr(signal, "SIGXFSZ") and threading.current_thread() is threading.main_thread():
        # A file size limit (ulimit -f) makes a write fail with EFBIG, which the
        # output writer reports, instead of killing the process mid-file.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    p = _Parser(prog="tigris", description="Plan int8 networks into a RAM budget.")
    from tigris import __version__
    p.add_argument("--version", action="version", version=f"tigris {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    from tigris.commands import register_all
    register_all(sub)      # imports onnx, numpy and MLIR
    if startup:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            # Python's handler again, should a native library have replaced it.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})   # a pending one: here
    args = p.parse_args(argv)
    _show_notes()
    try:
        return args.func(args)
    except TigrisError as e:
        print(f"tigris: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as e:  # a bug: still one line (TIGRIS_DEBUG=1 shows the traceback)
        if os.environ.get("TIGRIS_DEBUG"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"tigris: internal error: {type(e).__name__}: {first} "
              "(set TIGRIS_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
