"""The `tigris` command: import, analyze, compile, run."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tigris", description="Plan int8 networks into a RAM budget.")
    sub = p.add_subparsers(dest="command", required=True)
    from tigris.commands import register_all
    register_all(sub)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
