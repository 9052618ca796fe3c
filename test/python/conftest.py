"""Fixtures shared by several test files of test/python.

`build` and `lib` (the runtime kernel library, built once per session) are
defined in runtime_kernels_common.py and registered here, once: imported into
each test_runtime_kernels_*.py file instead, they would be a separate fixture
per module and the library would be built once per module.
"""
from runtime_kernels_common import build, lib  # noqa: F401
