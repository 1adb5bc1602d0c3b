"""The listener's language: message catalogs, the language a page speaks, and Babel's formatters.

Two gettext domains live in themes/locale/<catalog>/LC_MESSAGES/ (docs/translating.md says why):
`site` for the theme and its scripts, `dashboard` for the daemon's pages. A page renders inside
`speaking(locale)`: the jinja i18n extension's gettext, `plural()` and the number, date, size and
price filters all read the locale from a context variable, so one environment (and its cache of
compiled templates) serves every language, in threads and asyncio tasks alike.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as gettext_module
import importlib.resources
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import babel
import babel.dates
import babel.numbers
from babel.support import Translations
from markupsafe import Markup, escape

from tunecamp.generator.catalog.dates import precision_of
from tunecamp.generator.catalog.settings import language_tag

SITE_DOMAIN = "site"
DASHBOARD_DOMAIN = "dashboard"
SOURCE_LANGUAGE = "en"
# The catalogs shipped complete; English is the source language and needs none.
CATALOGS = ("en", "de", "fr", "es", "it", "pt_BR", "ja", "ar")
# A bare language picks its shipped variant: a listener asking for "pt" reads Brazilian Portuguese.
_VARIANTS = {"pt": "pt_BR"}


@dataclass(frozen=True)
class PageLocale:
    """The language one page speaks: its tag for <html lang>, its catalog and Babel's locale data."""

    tag: str  # BCP 47 as the catalog wrote it: "pt-BR"
    catalog: str  # the shipped catalog its strings come from: "pt_BR" ("en" when none fits)
    locale: babel.Locale
    translations: gettext_module.NullTranslations

    dir: str  # "rtl" or "ltr", from the locale's character order


def locale_dir() -> Path:
    return Path(str(importlib.resources.files("tunecamp.themes") / "locale"))


def parse_tag(tag: str) -> babel.Locale:
    """Babel's locale for a BCP 47 tag ("pt-BR", "pt_BR", "ar"); ValueError when it is none."""
    return babel.Locale.parse(language_tag(tag), sep="-")


def catalog_for(locale: babel.Locale) -> str | None:
    """The shipped catalog for a locale: its own, its language's, or None."""
    full = f"{locale.language}_{locale.territory}" if locale.territory else locale.language
    for name in (full, locale.language, _VARIANTS.get(locale.language, "")):
        if name in CATALOGS:
            return name
    return None


@functools.cache
def page_locale(tag: str, domain: str = SITE_DOMAIN) -> PageLocale:
    """The locale of `tag` (one of the shipped catalogs, else English strings under the page's own tag)."""
    try:
        locale = parse_tag(tag)
    except ValueError:
        locale = babel.Locale.parse(SOURCE_LANGUAGE)
    catalog = catalog_for(locale) or SOURCE_LANGUAGE
    tag = str(locale).replace("_", "-")
    if tag == "en":  # a bare "en" writes international English: "2 May 2026", not the US's "May 2, 2026"
        locale = babel.Locale.parse("en_001")
    translations: gettext_module.NullTranslations = gettext_module.NullTranslations()
    if catalog != SOURCE_LANGUAGE:
        translations = Translations.load(str(locale_dir()), [catalog], domain)
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return PageLocale(tag, catalog, locale, translations, direction)


def negotiate(accept_language: str) -> str | None:
    """The first language of an Accept-Language header a shipped catalog speaks, else None."""
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:32]):  # a hostile header stays cheap
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and math.isfinite(quality) and quality > 0:
            wanted.append((-quality, i, tag))
    for _, _, tag in sorted(wanted):
        try:
            catalog = catalog_for(parse_tag(tag))
        except ValueError:
            continue
        if catalog:
            return catalog.replace("_", "-")
    return None


_CURRENT: ContextVar[PageLocale | None] = ContextVar("tunecamp_locale", default=None)


def chosen() -> PageLocale | None:
    """The locale a caller entered with `speaking`, None outside one."""
    return _CURRENT.get()


def current() -> PageLocale:
    return _CURRENT.get() or page_locale(SOURCE_LANGUAGE)


@contextmanager
def speaking(locale: PageLocale) -> Iterator[PageLocale]:
    """Render (or build page data) in `locale`; nests, and restores the outer language after."""
    token = _CURRENT.set(locale)
    try:
        yield locale
    finally:
        _CURRENT.reset(token)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; whoever shows it translates it."""
    return message


def gettext(message: str) -> str:
    return current().translations.gettext(message)


def ngettext(singular: str, plural_: str, count: int) -> str:
    return current().translations.ngettext(singular, plural_, count)


@functools.lru_cache(maxsize=16384)
def _markup(translations: gettext_module.NullTranslations, message: str) -> Markup:
    return Markup(translations.gettext(message))


@functools.lru_cache(maxsize=16384)
def _text(translations: gettext_module.NullTranslations, message: str) -> str:
    return translations.gettext(message)


def _format(text: str, variables: dict[str, Any]) -> Markup:
    # the variables escaped one by one, then a plain str format: Markup's own % wraps every value
    # in a helper object and costs a build several times more
    return Markup(str.__mod__(str(text), {key: escape(value) for key, value in variables.items()}))


def template_gettext(message: str, **variables: Any) -> Markup:
    """The templates' `_()` and `{% trans %}`: new-style (variables escaped, then formatted), trusted
    translation, cached per catalog (constant ones are folded at compile: translated_templates.py)."""
    translations = current().translations
    if variables:
        return _format(_text(translations, message), variables)
    text = _markup(translations, message)
    return _format(text, variables) if "%%" in text else text


def formatted(text: str, **variables: Any) -> Markup:
    """A message translated when its template compiled (translated_templates.py), formatted now."""
    return _format(text, variables)


def template_ngettext(singular: str, plural_: str, count: int, **variables: Any) -> Markup:
    text = current().translations.ngettext(singular, plural_, count)
    return _format(text, {"num": count, **variables})


def plural(count: int, singular: str, plural_: str) -> str:
    """A counted phrase, its number written the locale's way: plural(3, "%(num)s track", "%(num)s tracks")."""
    return ngettext(singular, plural_, count) % {"num": number(count)}


def number(value: int | float) -> str:
    return _number(value, current().locale)


@functools.lru_cache(maxsize=8192)  # Babel's formatters are slow and a build repeats its values
def _number(value: int | float, locale: babel.Locale) -> str:
    return babel.numbers.format_decimal(value, locale=locale)


def filesize(size: int) -> str:
    """Decimal units with the locale's digits and separators: "1,5 MB" in German."""
    return _filesize(size, current().locale)


@functools.lru_cache(maxsize=8192)
def _filesize(size: int, locale: babel.Locale) -> str:
    if size < 1000:
        return babel.numbers.format_decimal(size, locale=locale) + "\u00a0B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            shape = "#,##0" if value >= 100 else "#,##0.0"
            return babel.numbers.format_decimal(value, format=shape, locale=locale) + "\u00a0" + unit
    raise AssertionError("unreachable")


def price(amount: Decimal, currency: str) -> str:
    """€5.00 in English, 5,00 € in German; the currency's own number of decimals (¥500)."""
    return _price(amount, currency, current().locale)


@functools.lru_cache(maxsize=1024)
def _price(amount: Decimal, currency: str, locale: babel.Locale) -> str:
    return babel.numbers.format_currency(amount, currency, locale=locale)


def long_date(date: dt.date) -> str:
    """As much as the artist wrote, the locale's way: "2026", "May 2026" / "Mai 2026", "1 May 2026"."""
    return _long_date(date, precision_of(date), current().locale)


@functools.lru_cache(maxsize=8192)  # the date's precision is part of the key: PartialDate equals its date
def _long_date(date: dt.date, precision: str, locale: babel.Locale) -> str:
    if precision == "year":
        return babel.dates.format_skeleton("y", date, locale=locale)
    if precision == "month":
        return babel.dates.format_skeleton("yMMMM", date, locale=locale)
    return babel.dates.format_date(date, format="long", locale=locale)


def moment(when: dt.datetime) -> str:
    """A date and time (the daemon's pages): medium date, short time, in the locale's order."""
    return babel.dates.format_datetime(when, format="medium", locale=current().locale)
