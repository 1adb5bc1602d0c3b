from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.generator.catalog_fixtures import BASE_URL, hostile_catalog, hostile_media
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.pages import render_pages
from tunecamp.generator.site.theme import ThemeNotFound, builtin_themes, find_theme, fingerprint, load_theme


def test_the_default_theme_is_built_in(tmp_path: Path) -> None:
    assert "default" in builtin_themes()
    folder = find_theme("default", tmp_path)
    assert (folder / "templates/base.html").is_file() and (folder / "static/player.js").is_file()


@pytest.mark.parametrize("name", ["nope", "./nope", "../elsewhere/nope", "Default", "de fault"])
def test_a_missing_theme_is_an_error_naming_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ThemeNotFound, match=repr(name).replace(".", r"\.")):
        find_theme(name, tmp_path)


def test_a_missing_theme_in_the_catalog_is_reported_and_the_default_used(tmp_path: Path) -> None:
    catalog = hostile_catalog()
    catalog = replace(catalog, content_dir=tmp_path, config=replace(catalog.config, theme="neon"))
    media = hostile_media(catalog)
    with pytest.raises(ThemeNotFound, match="'neon'"):
        render_pages(catalog, media, Urls(BASE_URL))
    problems = Problems()
    outputs = render_pages(catalog, media, Urls(BASE_URL), problems=problems)
    (error,) = problems.errors
    assert error.key == "theme" and "'neon'" in error.message and "default theme" in error.message
    assert any(o.path == "releases/engines/index.html" for o in outputs)


def test_a_theme_folder_overrides_only_what_it_has(tmp_path: Path) -> None:
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates/home.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="mine">{{ site.title }}</h1>{% endblock %}'
    )
    (theme / "static/style.css").write_text("body { color: hotpink; }\n")
    (theme / "static/extra.css").write_text("p { margin: 0; }\n")
    catalog = hostile_catalog()
    catalog = replace(catalog, content_dir=tmp_path, config=replace(catalog.config, theme="./mytheme"))
    outputs = {o.path: o for o in render_pages(catalog, hostile_media(catalog), Urls(BASE_URL))}
    home = outputs["index.html"].data or b""
    assert b'<h1 class="mine">\xc3\x9cnder &amp; &lt;Ground&gt; &#34;Records&#34;</h1>' in home  # autoescaped
    assert b'class="tracklist"' in (outputs["releases/engines/index.html"].data or b"")  # the default's page
    style = next(p for p in outputs if p.startswith("static/style."))
    assert outputs[style].source == (theme / "static/style.css").resolve()
    assert any(p.startswith("static/extra.") for p in outputs)
    assert any(p.startswith("static/player.") for p in outputs)  # from the default theme
    assert f"/sub/{style}".encode() in home


def test_fingerprints_follow_the_bytes(tmp_path: Path) -> None:
    assert fingerprint("style.css", b"a") != fingerprint("style.css", b"b")
    assert fingerprint("style.css", b"a") == fingerprint("style.css", b"a")
    assert fingerprint("fonts/x.woff2", b"a").startswith("fonts/x.") and fingerprint("x.css", b"").endswith(
        ".css"
    )
    theme = load_theme("default", tmp_path, Urls(BASE_URL))
    assert set(theme.assets) >= {"style.css", "player.js", "search.js", "favicon.svg"}
    assert len(theme.version) == 12


def test_uses_follows_extends_imports_and_includes(tmp_path: Path) -> None:
    theme = load_theme("default", tmp_path, Urls(BASE_URL))
    release = theme.uses("release.html")
    assert {"release.html", "base.html", "_macros.html", "_player.html"} <= release
    assert not release & {"embed_base.html", "artist.html", "track.html"}
    assert {"embed_track.html", "embed_base.html", "_macros.html", "_player.html"} <= theme.uses(
        "embed_track.html"
    )
    assert "base.html" not in theme.uses("embed_track.html")
    assert theme.uses("_macros.html") == {"_macros.html"}


def test_uses_of_a_theme_that_overrides_some_templates(tmp_path: Path) -> None:
    templates = tmp_path / "mytheme/templates"
    templates.mkdir(parents=True)
    (templates / "release.html").write_text('{% extends "layout.html" %}{% block main %}{% endblock %}')
    (templates / "layout.html").write_text('{% include "_bits.html" %}{% include "missing.html" %}')
    (templates / "_bits.html").write_text("{% include 'layout.html' %}")  # a cycle does not hang
    (templates / "artist.html").write_text("{% extends 'base.html' %}{% block main %}{{ oops %}")
    theme = load_theme("./mytheme", tmp_path, Urls(BASE_URL))
    # a template named but not there yet is used too: creating it must re-render release pages
    assert theme.uses("release.html") == {"release.html", "layout.html", "_bits.html", "missing.html"}
    assert theme.uses("tag.html") >= {"tag.html", "base.html", "_macros.html"}  # the default's own
    assert theme.uses("artist.html") == {"artist.html"}  # broken: it shows when it renders
    assert theme.uses("nope.html") == {"nope.html"}


def test_template_name_maps_files_of_the_templates_folders(tmp_path: Path) -> None:
    folder = tmp_path / "mytheme"
    (folder / "templates/partials").mkdir(parents=True)
    (folder / "static").mkdir()
    theme = load_theme("./mytheme", tmp_path, Urls(BASE_URL))
    templates = folder.resolve() / "templates"
    assert theme.template_name(templates / "release.html") == "release.html"
    assert theme.template_name(templates / "partials/card.html") == "partials/card.html"
    default = theme.folders[-1].resolve() / "templates"
    assert theme.template_name(default / "base.html") == "base.html"  # the fallback theme's too
    for outside in [
        folder.resolve() / "static/style.css",
        folder.resolve() / "theme.yaml",
        tmp_path.resolve() / "releases/x/release.html",
        tmp_path.resolve() / "templates/release.html",
    ]:
        assert theme.template_name(outside) is None, outside
