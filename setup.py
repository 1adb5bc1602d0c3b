"""Compiles the message catalogs (themes/locale/*/LC_MESSAGES/*.po) before the package data is collected.

The .mo files and the scripts' JSON messages are build products, never committed: a wheel, an
sdist build and `make install` (an editable install, which runs build_py too) all make them here.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
from compile_messages import compile_all


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        compile_all(Path(__file__).resolve().parent / "themes" / "locale")
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
