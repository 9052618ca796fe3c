"""One module per `tigris` subcommand; each has `register(subparsers)`."""
from __future__ import annotations


def register_all(sub) -> None:
    from tigris.commands import analyze_cmd, import_cmd
    for module in (import_cmd, analyze_cmd):
        module.register(sub)
