"""The generator's layout (docs/architecture.md, "The generator"): three wings whose imports run one
way, site → media → catalog, under the build orchestration, with a few shared leaf modules.

    catalog/   imports catalog/ and the leaves
    media/     imports catalog/, media/ and the leaves
    site/      imports catalog/, media/, site/ and the leaves
    leaves     import nothing of the generator's but other leaves
    the rest   (build, session, steps, units, snapshot, watch, cli...) imports any of them

Imports are read with `ast`, so a test fails on the file and the line that breaks the rule. The same
walk checks the standards the layout came with: imports at module level (only the CLI's commands
import late), no `# fmt: skip`, no helper with more than five parameters.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "generator"
PACKAGE = "tunecamp.generator"
WINGS = ("catalog", "media", "site")
# Shared by the wings and the orchestration, and importing neither.
LEAVES = frozenset({"problems", "output", "cachefile", "words"})
MAY_IMPORT = {
    "catalog": {"catalog"},
    "media": {"catalog", "media"},
    "site": {"catalog", "media", "site"},
    "leaf": set(),
}
# Imported only when it is needed: the imageio-ffmpeg wheel is the last place ffmpeg is looked
# for, and importing it costs tens of milliseconds every build would pay.
LATE_IMPORTS = {("media/ffmpeg.py", "imageio_ffmpeg")}
# the command line: its commands import what they run late, and click hands each option over as a parameter
CLI = {"cli.py", "cli_options.py", "cache_commands.py"}


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _place(module: str) -> str:
    """catalog, media, site, leaf or top for a dotted name under tunecamp.generator."""
    parts = module.removeprefix(PACKAGE).lstrip(".").split(".")
    if parts[0] in WINGS:
        return parts[0]
    return "leaf" if parts[0] in LEAVES else "top"


def _place_of_file(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return _place(".".join([PACKAGE, *rel.with_suffix("").parts]))


def _ours(module: str | None) -> bool:
    return module is not None and (module == PACKAGE or module.startswith(PACKAGE + "."))


def _generator_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import of a tunecamp.generator module, `from tunecamp.generator
    import urls` counting as tunecamp.generator.urls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith(PACKAGE + ".")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _ours(node.module):
            if node.module in (PACKAGE, *(f"{PACKAGE}.{w}" for w in WINGS)):
                found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, str(node.module)))
    return found


def test_the_wings_import_one_way() -> None:
    broken = []
    for path in _modules():
        place = _place_of_file(path)
        if place == "top":
            continue
        allowed = MAY_IMPORT[place]
        for line, module in _generator_imports(ast.parse(path.read_text(), str(path))):
            target = _place(module)
            if target != "leaf" and target not in allowed:
                broken.append(f"{path.relative_to(ROOT)}:{line}: {place} imports {module}")
    assert not broken, "\n".join(broken)


def test_the_layout_is_what_the_test_describes() -> None:
    """Every wing is a package, every leaf exists, and the leaves are still leaves (a leaf that
    grew an import of a wing belongs in that wing or above)."""
    for wing in WINGS:
        assert (ROOT / wing / "__init__.py").is_file(), wing
    for leaf in LEAVES:
        assert (ROOT / f"{leaf}.py").is_file(), leaf
    assert {p.parent.name for p in ROOT.glob("*/__init__.py")} == set(WINGS)


def test_imports_are_at_module_level() -> None:
    """Late imports hid an import cycle; only the CLI's commands import what they run late (so
    `tunecamp --help` stays quick), and the few named in LATE_IMPORTS say why."""
    late = set()
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel in CLI:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    names = [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom):
                    names = [sub.module or "."]
                else:
                    continue
                late.update(f"{rel}:{sub.lineno}: {n}" for n in names if (rel, n) not in LATE_IMPORTS)
    assert not late, "\n".join(sorted(late))


def test_the_formatter_formats_every_line() -> None:
    skipped = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _modules()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "fmt: skip" in line or "fmt: off" in line
    ]
    assert not skipped, skipped


def test_no_helper_takes_more_than_five_parameters() -> None:
    """A longer list takes one parameter object instead. The CLI's commands are exempt: click
    hands each option over as a parameter."""
    long = []
    for path in _modules():
        if path.relative_to(ROOT).as_posix() in CLI:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                params = [
                    p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs) if p.arg not in ("self", "cls")
                ]
                if len(params) > 5:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}({', '.join(params)})")
    assert not long, "\n".join(long)


def test_every_data_file_ships_in_the_wheel() -> None:
    """A file that is not Python (the catalog.json schema, py.typed) ships only when pyproject's
    package-data names it for its own package: moving it into a wing needs a new line there."""
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in sorted(ROOT.rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT)
        package = ".".join([PACKAGE, *rel.parent.parts])
        if not any(fnmatch.fnmatch(rel.name, glob) for glob in package_data.get(package, ())):
            missing.append(f"{rel} (package-data of {package})")
    assert not missing, missing
