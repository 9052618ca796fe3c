"""One module per `tigris` subcommand; each has `register(subparsers)`."""
from __future__ import annotations


def register_all(sub) -> None:
    from tigris.commands import (analyze_cmd, codegen_cmd, compile_cmd, import_cmd, run_cmd,
                                 quantize_cmd, simulate_cmd, translate_cmd)
    for module in (import_cmd, analyze_cmd, compile_cmd, run_cmd, codegen_cmd, simulate_cmd,
                   translate_cmd, quantize_cmd):
        module.register(sub)
