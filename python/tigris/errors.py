"""User-facing errors: one line, a clear reason, a fixed exit code, no traceback."""
from __future__ import annotations


class TigrisError(Exception):
    """An error the CLI prints as one line `tigris: <message>` and exits with `exit_code`."""

    exit_code = 1


class ModelError(TigrisError):
    """The input model cannot be read or is not supported (exit code 2)."""

    exit_code = 2


class UsageError(TigrisError):
    """A bad command-line value (exit code 2)."""

    exit_code = 2


class BudgetError(TigrisError):
    """The model does not fit the memory budget (exit code 3)."""

    exit_code = 3


class PassError(Exception):
    """A failure at an IR location inside a pass or the planning code it calls;
    the pass manager reports it as an MLIR diagnostic at `location`."""

    def __init__(self, message: str, location=None):
        super().__init__(message)
        self.location = location
