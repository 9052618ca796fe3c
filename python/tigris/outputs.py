"""Writing a command's output files all or none.

Each output is written to a temporary file in its own folder (`.NAME.XXXX.tmp`),
and only when every one of them was written completely are they renamed onto
their paths (a rename within a folder is atomic). A failure on the way (a full
disk, a size limit, a folder that does not exist, Ctrl-C) removes the
temporary files and leaves every output path as it was: no truncated plan, no
plan without the MLIR asked for beside it.

A path that exists and is not a regular file (`/dev/null`, a FIFO) is written
in place, since renaming onto it would replace the device or pipe; a symbolic
link is followed, so the file it points to is the one replaced.
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Union

from tigris.errors import UsageError

# What to write: text (UTF-8) or bytes, in memory, so that every short write
# raises (numpy.save straight into a file does not notice one).
Content = Union[str, bytes]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(f, content: Content) -> None:
    f.write(content.encode("utf-8") if isinstance(content, str) else content)


def _special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _reason(e: OSError) -> str:
    return e.strerror or str(e) or type(e).__name__


def write_outputs(outputs: list[tuple[str, Content]]) -> None:
    """Write every (path, content), or none of them; a failure is a UsageError
    naming the path (exit code 2)."""
    temps: list[tuple[str, str, str]] = []      # (temporary, target, path as given)
    path = ""
    try:
        mode = 0o666 & ~_umask()
        for path, content in outputs:
            target = os.path.realpath(path)
            if _special(target):
                continue                  # written below, after every regular file
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                       dir=os.path.dirname(target))
            temps.append((tmp, target, path))
            with os.fdopen(fd, "wb") as f:
                _write(f, content)
            os.chmod(tmp, mode)
        for tmp, target, path in temps:
            os.replace(tmp, target)
        temps = []
        for path, content in outputs:
            if _special(os.path.realpath(path)):
                with open(path, "wb") as f:
                    _write(f, content)
    except OSError as e:
        raise UsageError(f"cannot write '{path}': {_reason(e)}") from None
    finally:
        for tmp, _, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_output(path: str, content: Content) -> None:
    """One output file, written whole or not at all."""
    write_outputs([(path, content)])


__all__ = ["write_outputs", "write_output"]
