"""The message catalogs are complete: every string of the templates, scripts and page code is in
each language's catalog, translated, not fuzzy, with the language's number of plural forms, and
compiled (.mo and the scripts' JSON) by the install."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tunecamp.generator.site import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "themes/locale"
LANGUAGES = [c for c in i18n.CATALOGS if c != i18n.SOURCE_LANGUAGE]
JINJA = {
    "extensions": "jinja2.ext.i18n",
    "newstyle_gettext": "True",
    "trim_blocks": "True",
    "lstrip_blocks": "True",
}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "plural": (2, 3),
    "translate": (2,),
    "translate_plural": (2, 3),
}  # translate(request, "..."): daemon/html.py, a message built in Python for a page
SCRIPT_KEYWORDS = {
    "t": None,
    "tn": (1, 2),
}  # the theme's scripts (i18n.js), as `make messages`; the daemon's scripts call theirs _() and ngettext()
SOURCES = {
    i18n.SITE_DOMAIN: [
        ("generator", [("site/**.py", "python")]),
        ("themes", [("*/templates/**.html", "jinja2"), ("*/static/*.js", "javascript")]),
    ],
    i18n.DASHBOARD_DOMAIN: [
        (
            "daemon",
            [
                ("**.py", "python"),
                ("**/templates/*.html", "jinja2"),
                ("layout/*.html", "jinja2"),
                ("**/assets/*.js", "javascript"),
            ],
        )
    ],
}


def extracted(domain: str) -> set[str]:
    """What the sources ask for now (as `make messages` extracts it), singular ids."""
    found = set()
    for folder, method_map in SOURCES[domain]:
        options = {pattern: JINJA for pattern, method in method_map if method == "jinja2"}
        keywords = KEYWORDS | (SCRIPT_KEYWORDS if domain == i18n.SITE_DOMAIN else {})
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options, keywords=keywords
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def catalog(lang: str, domain: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


@pytest.fixture(scope="module", params=sorted(SOURCES))
def domain_ids(request: pytest.FixtureRequest) -> tuple[str, set[str]]:
    return request.param, extracted(request.param)


def test_the_sources_have_strings_to_translate(domain_ids: tuple[str, set[str]]) -> None:
    domain, ids = domain_ids
    assert (
        "Sign out" in ids if domain == i18n.DASHBOARD_DOMAIN else {"Play %(title)s", "%(num)s release"} <= ids
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_in_every_catalog_translated(lang: str, domain_ids: tuple[str, set[str]]) -> None:
    domain, ids = domain_ids
    cat = catalog(lang, domain)
    have = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in cat if m.id}
    assert not ids - have.keys(), f"{lang}/{domain}.po lacks {sorted(ids - have.keys())}: run make messages"
    for message in have.values():
        assert not message.fuzzy, f"{lang}/{domain}.po: fuzzy {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{lang}/{domain}.po: untranslated {message.id!r}"
        if isinstance(message.id, tuple):
            assert len(strings) == cat.num_plurals, f"{lang}/{domain}.po: plural forms of {message.id[0]!r}"
    assert not cat.fuzzy


def test_arabic_has_six_plural_forms_and_japanese_one() -> None:
    assert catalog("ar", i18n.SITE_DOMAIN).num_plurals == 6
    assert catalog("ja", i18n.SITE_DOMAIN).num_plurals == 1
    ar = i18n.page_locale("ar")
    with i18n.speaking(ar):
        forms = [i18n.plural(n, "%(num)s track", "%(num)s tracks") for n in (0, 1, 2, 3, 11, 100)]
    assert len(set(forms)) == 6 and forms[1] == "مقطوعة واحدة" and forms[3] == "3 مقطوعات"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_install_compiled_each_catalog(lang: str) -> None:
    folder = LOCALE / lang / "LC_MESSAGES"
    for domain in SOURCES:
        po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
        assert mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{mo}: run make install or make messages"
        )
    scripts = json.loads((folder / "site.json").read_text())
    assert scripts["messages"]["Play %(title)s"] != "Play %(title)s"
    assert set(scripts["messages"]["%(num)s listener"]) >= {"other"}


def test_placeholders_survive_translation() -> None:
    for lang in LANGUAGES:
        for domain in SOURCES:
            for m in catalog(lang, domain):
                if not m.id or isinstance(m.id, tuple):
                    continue
                wanted = {p for p in ("%(title)s", "%(name)s", "%(href)s", "%(home)s") if p in m.id}
                assert all(p in m.string for p in wanted), (lang, m.id, m.string)
