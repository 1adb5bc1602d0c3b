"""The daemon's rooms (docs/architecture.md, "The daemon"): one folder per feature, and no feature
imports another.

Every module of daemon/ is parsed: a module in a feature folder may import the shared modules
at the daemon's top, the generator and its own folder, never another feature's; a shared module
imports no feature at all, except the few that compose them (COMPOSITION). Each feature folder
has a docstring-only __init__.py, a `setup(app)` in feature.py composed by create_app, and a
migration set of its own in schema.py, listed by the runner. And each feature composes alone:
what one needs of another is handed over by create_app, never found missing at run time.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon import app as composition
from tunecamp.daemon.accounts.onboarding import SETUP_URL
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.migrations import SETS

DAEMON = Path(__file__).resolve().parents[2] / "daemon"
FEATURES = sorted(p.parent.name for p in DAEMON.glob("*/__init__.py"))
# The shared modules that put the features together: they alone may import them.
COMPOSITION = {"app", "server", "cli", "migrations"}


def _daemon_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, the part of each `tunecamp.daemon.*` name the module imports, after "tunecamp.daemon.")."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import; name the module in full"
            module = node.module or ""
            # `from tunecamp.daemon import subsonic` imports a folder by its bare name
            names = [f"{module}.{a.name}" for a in node.names] if module == "tunecamp.daemon" else [module]
        else:
            continue
        for name in names:
            if name.startswith("tunecamp.daemon."):
                yield node.lineno, name.removeprefix("tunecamp.daemon.")


def _crossings(path: Path, home: str | None) -> list[str]:
    return [
        f"{path.relative_to(DAEMON.parent)}:{line}: imports tunecamp.daemon.{name}"
        for line, name in _daemon_imports(path)
        if name.split(".")[0] in FEATURES and name.split(".")[0] != home
    ]


def test_the_features_are_the_folders() -> None:
    assert FEATURES == [
        "accounts",
        "admin",
        "chat",
        "discovery",
        "enrich",
        "federation",
        "jobqueue",
        "live",
        "payments",
        "site",
        "subsonic",
        "unlock",
    ]


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_never_imports_another(feature: str) -> None:
    crossings = [c for path in sorted((DAEMON / feature).rglob("*.py")) for c in _crossings(path, feature)]
    assert not crossings, "hand it over in create_app instead:\n" + "\n".join(crossings)


def test_shared_modules_import_no_feature() -> None:
    shared = [p for p in sorted(DAEMON.glob("*.py")) if p.stem not in COMPOSITION]
    crossings = [c for path in shared for c in _crossings(path, None)]
    assert not crossings, "a shared module stays below the features:\n" + "\n".join(crossings)


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import tunecamp.daemon.admin.api\n"
        "from tunecamp.daemon import site, users\n"
        "def f():\n    from tunecamp.daemon.subsonic.call import Call\n"
    )
    found = {name for _, name in _daemon_imports(module)}
    assert found == {"admin.api", "site", "users", "subsonic.call"}


@pytest.mark.parametrize("feature", FEATURES)
def test_each_feature_folder_is_a_room(feature: str) -> None:
    folder = DAEMON / feature
    init = ast.parse((folder / "__init__.py").read_text())
    assert len(init.body) == 1 and isinstance(init.body[0], ast.Expr), "__init__.py: only a docstring"
    assert ast.get_docstring(init), "__init__.py: a map of the folder"
    for name in (p.name for p in folder.glob("*.py") if p.name != "__init__.py"):
        assert name in init.body[0].value.value, f"{feature}/__init__.py does not map {name}"  # type: ignore[attr-defined]
    setups = [getattr(s, "__module__", "") for s in composition.FEATURES]
    assert f"tunecamp.daemon.{feature}.feature" in setups, f"{feature}.feature.setup is not in FEATURES"
    assert f"tunecamp.{feature}" in {s.name for s in SETS}, f"{feature}/schema.py's set is not in SETS"


def test_every_template_and_asset_is_package_data() -> None:
    """A file that is no module ships in the wheel only when a package-data glob of its package
    takes it: a feature's templates/ and assets are listed in pyproject.toml beside its package."""
    config = tomllib.loads((DAEMON.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    shipped = set()
    for package, globs in config["package-data"].items():
        if package == "tunecamp.daemon" or package.startswith("tunecamp.daemon."):
            folder = DAEMON.joinpath(*package.split(".")[2:])
            shipped |= {path for pattern in globs for path in folder.glob(pattern)}
    data = {p for p in DAEMON.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")}
    missing = sorted(str(p.relative_to(DAEMON)) for p in data - shipped)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


@pytest.mark.parametrize("feature", composition.FEATURES, ids=lambda s: s.__module__.split(".")[2])
async def test_each_feature_composes_alone(
    feature: Callable[..., None], config: DaemonConfig, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    client = await aiohttp_client(composition.create_app(config, features=(feature,)))
    assert (await client.get("/health")).status == 200
    assert (await client.get("/")).status == 200


async def test_the_setup_page_renders_without_the_dashboard(
    config: DaemonConfig, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    from tunecamp.daemon.accounts import feature as accounts

    client = await aiohttp_client(composition.create_app(config, features=(accounts.setup,)))
    link = urlsplit(client.app[SETUP_URL])
    page = await client.get(f"{link.path}?{link.query}")
    assert page.status == 200 and "Create the Owner" in await page.text()
    assert (await client.get("/admin/static/admin.css")).status == 200  # the layout's, not the admin's


def test_the_formatter_formats_every_line() -> None:
    skipped = [
        f"{path.relative_to(DAEMON)}:{n}"
        for path in sorted(DAEMON.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "fmt: skip" in line or "fmt: off" in line
    ]
    assert not skipped, skipped
