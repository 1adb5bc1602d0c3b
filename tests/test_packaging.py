"""Guards for the tunecamp namespace mapping (DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"generator": "tunecamp.generator", "daemon": "tunecamp.daemon", "themes": "tunecamp.themes"}


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, name in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *rel.parts]))
    return found


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    assert _packages_on_disk() == listed
    for folder, name in MAPPED.items():
        assert config["tool"]["setuptools"]["package-dir"][name] == folder


def test_every_package_has_init_and_py_typed() -> None:
    for folder in MAPPED:
        assert (ROOT / folder / "__init__.py").is_file()
        assert (ROOT / folder / "py.typed").is_file()


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(*folders: str) -> list[Path]:
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


def test_no_bare_imports_of_the_mapped_folders() -> None:
    for path in _python_files("generator", "daemon", "themes", "tests", "bench", "scripts"):
        bare = {n for n in _imports(path) if n.split(".")[0] in MAPPED}
        assert not bare, f"{path}: import tunecamp.<name>, not {bare}"


def test_the_generator_never_imports_the_daemon() -> None:
    for path in _python_files("generator"):
        assert not any(n.startswith("tunecamp.daemon") for n in _imports(path)), path
