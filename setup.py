"""Package discovery for setuptools (the metadata lives in pyproject.toml).

The package is python/tigris, plus two folders kept at the top of the tree
and mapped into it: passes/ as tigris.passes and dialects/ as tigris.dialects.
Every package under those three roots is found here, so a new subpackage
ships in a regular install (`pip install .`, a wheel) without being listed.
"""
from setuptools import find_packages, setup


def mapped(folder: str, package: str) -> list[str]:
    """`package` and every package below `folder`, named under `package`."""
    return [package] + [f"{package}.{p}" for p in find_packages(folder)]


setup(packages=find_packages("python", include=["tigris", "tigris.*"])
      + mapped("passes", "tigris.passes") + mapped("dialects", "tigris.dialects"))
