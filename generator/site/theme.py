"""Themes: a folder of jinja2 templates and static files, looked up by name or path.

A theme is `tunecamp.themes/<name>/` (built in) or a folder named in catalog.yaml
(`theme: ./mytheme`, relative to content/). A theme only needs the files it changes:
templates and static files it lacks come from the default theme. Static files are
published under fingerprinted names (`style.1a2b3c4d5e.css`) so a CDN may cache them forever.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup, escape

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.output import Output
from tunecamp.generator.site import i18n
from tunecamp.generator.site.translated_templates import overlay_for

DEFAULT_THEME = "default"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ThemeNotFound(LookupError):
    """The theme named in the catalog is neither a built-in theme nor a folder with templates/."""


@dataclass(frozen=True)
class Theme:
    name: str
    folders: tuple[Path, ...]  # the theme first, then the default theme it falls back on
    env: jinja2.Environment
    assets: Mapping[str, str]  # "style.css" -> "static/style.1a2b3c4d5e.css"
    outputs: tuple[Output, ...]
    version: str  # changes whenever any asset changes
    # one environment per catalog, made on first use (translated_templates.py)
    by_catalog: dict[str, jinja2.Environment] = field(default_factory=dict, compare=False, repr=False)

    def render(self, template: str, **context: Any) -> str:
        """`template` in the page's language (i18n.speaking), else the catalog-less source strings."""
        catalog = i18n.current().catalog
        env = self.by_catalog.get(catalog)
        if env is None:
            env = self.by_catalog[catalog] = overlay_for(self.env, catalog)
        return env.get_template(template).render(**context)

    def template_name(self, path: Path) -> str | None:
        """The template name of a file in one of the theme's templates/ folders, else None."""
        for folder in self.folders:
            templates = folder.resolve() / "templates"
            if path.is_relative_to(templates) and path != templates:
                return path.relative_to(templates).as_posix()
        return None

    def uses(self, template: str) -> frozenset[str]:
        """`template` and every template it extends, includes or imports, transitively."""
        seen: set[str] = set()
        todo = [template]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                source = self.env.loader.get_source(self.env, name)[0] if self.env.loader else ""
                todo += [n for n in jinja2.meta.find_referenced_templates(self.env.parse(source)) if n]
            except (jinja2.TemplateError, OSError):  # a broken template shows when it renders
                continue
        return frozenset(seen)


def builtin_theme_dir(name: str) -> Path | None:
    if not _NAME.match(name):
        return None
    folder = importlib.resources.files("tunecamp.themes") / name
    if not isinstance(folder, Path):  # a zipped install: themes must be real folders
        folder = Path(str(folder))
    return folder if (folder / "templates").is_dir() else None


def find_theme(name: str, content_dir: Path) -> Path:
    """The folder of the theme `name`: a built-in theme, or a path (relative to content/)."""
    looks_like_path = name.startswith((".", "~", "/")) or "/" in name or "\\" in name
    if not looks_like_path:
        folder = builtin_theme_dir(name)
        if folder:
            return folder
        local = content_dir / name
        if (local / "templates").is_dir():
            return local
        raise ThemeNotFound(
            f"theme {name!r} not found: it is not a built-in theme ({', '.join(builtin_themes())})"
            f" and {local} has no templates/ folder"
        )
    path = Path(name).expanduser()
    folder = path if path.is_absolute() else content_dir / path
    if not (folder / "templates").is_dir():
        raise ThemeNotFound(f"theme {name!r} not found: {folder} has no templates/ folder")
    return folder


def builtin_themes() -> list[str]:
    root = importlib.resources.files("tunecamp.themes")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "templates").is_dir())


def fingerprint(name: str, data: bytes) -> str:
    """'css/style.css' -> 'css/style.1a2b3c4d5e.css'."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _static_files(folders: tuple[Path, ...]) -> dict[str, Path]:
    """Static files by name; the theme's own win over the default theme's."""
    files: dict[str, Path] = {}
    for folder in reversed(folders):
        static = folder / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files[path.relative_to(static).as_posix()] = path
    return files


def _message_files() -> dict[str, Path]:
    """The scripts' messages per shipped catalog ("i18n/de.json"), compiled from the .po at install."""
    folder = i18n.locale_dir()
    files = {f"i18n/{c}.json": folder / c / "LC_MESSAGES" / f"{i18n.SITE_DOMAIN}.json" for c in i18n.CATALOGS}
    return {rel: path for rel, path in files.items() if path.is_file()}


def load_theme(
    name: str, content_dir: Path, urls: Urls, filters: Mapping[str, Callable[..., Any]] | None = None
) -> Theme:
    """Find the theme, fingerprint its static files and make its jinja environment."""
    folder = find_theme(name, content_dir)
    default = builtin_theme_dir(DEFAULT_THEME)
    assert default is not None, "the default theme is part of the package"
    folders = (folder,) if folder.resolve() == default.resolve() else (folder, default)
    assets: dict[str, str] = {}
    outputs: list[Output] = []
    digest = hashlib.sha256()
    for rel, path in (_static_files(folders) | _message_files()).items():
        data = path.read_bytes()
        site_path = u.theme_asset(fingerprint(rel, data))
        assets[rel] = site_path
        # resolve(): an editable install links files in; the site must get the file, not a symlink
        outputs.append(Output(site_path, source=path.resolve()))
        digest.update(f"{site_path}\n".encode())
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f / "templates")) for f in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: _("Play %(title)s", title=...) formats and escapes its variables itself
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # the same behaviour without jinja's per-call wrapper (see template_gettext)
    env.globals.update(
        _=i18n.template_gettext, gettext=i18n.template_gettext, ngettext=i18n.template_ngettext
    )

    def asset(rel: str) -> str:
        if rel not in assets:
            raise KeyError(f"theme {name!r} has no static file {rel!r}")
        return urls.link(assets[rel])

    @functools.cache
    def icon(name: str, cls: str = "") -> Markup:
        """An icon of the theme's sprite (static/icons.svg, one <symbol id="i-NAME"> per icon)."""
        href = escape(f"{asset('icons.svg')}#i-{name}")
        return Markup(
            f'<svg class="icon {escape(cls)}" aria-hidden="true" focusable="false"><use href="{href}"></use></svg>'
        )

    message_links = {
        rel.split("/")[1].split(".")[0]: urls.link(path)
        for rel, path in assets.items()
        if rel.startswith("i18n/")
    }

    def messages() -> str:
        """The scripts' messages in the page's language ("" in English, the scripts' own)."""
        return message_links.get(i18n.current().catalog, "")

    env.globals.update(
        u=u,
        link=urls.link,
        absolute=urls.absolute,
        asset=asset,
        icon=icon,
        plural=i18n.plural,
        locale=i18n.current,
        messages=messages,
    )
    env.filters.update(filters or {})
    return Theme(name, folders, env, assets, tuple(outputs), digest.hexdigest()[:12])
