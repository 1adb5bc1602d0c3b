"""Babel's formatters for the page's locale, the language negotiation, and the jinja messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import jinja2
import pytest

from tunecamp.generator.catalog.dates import PartialDate
from tunecamp.generator.site import i18n
from tunecamp.generator.site.translated_templates import overlay_for


def speaking(tag: str) -> i18n.PageLocale:
    return i18n.page_locale(tag)


@pytest.mark.parametrize(
    ("tag", "size", "amount", "currency", "written"),
    [
        ("en", "1.5\xa0MB", Decimal(5), "EUR", "€5.00"),
        ("de", "1,5\xa0MB", Decimal(5), "EUR", "5,00\xa0€"),
        ("fr", "1,5\xa0MB", Decimal("4.5"), "USD", "4,50\xa0$US"),
        ("ja", "1.5\xa0MB", Decimal(500), "JPY", "￥500"),
        ("ar", "1.5\xa0MB", Decimal(5), "EUR", "\u200f5.00\xa0€"),
    ],
)
def test_sizes_and_prices_the_locale_way(
    tag: str, size: str, amount: Decimal, currency: str, written: str
) -> None:
    with i18n.speaking(speaking(tag)):
        assert i18n.filesize(1_500_000) == size
        assert i18n.price(amount, currency) == written


def test_dates_keep_the_precision_the_artist_wrote() -> None:
    year, month, day = PartialDate(2026, 1, 1, "year"), PartialDate(2026, 5, 1, "month"), dt.date(2026, 5, 2)
    with i18n.speaking(speaking("en")):
        assert [i18n.long_date(d) for d in (year, month, day)] == ["2026", "May 2026", "2 May 2026"]
    with i18n.speaking(speaking("de")):
        assert [i18n.long_date(d) for d in (year, month, day)] == ["2026", "Mai 2026", "2. Mai 2026"]
    with i18n.speaking(speaking("ja")):
        assert i18n.long_date(day) == "2026年5月2日"


def test_numbers_and_plurals() -> None:
    with i18n.speaking(speaking("de")):
        assert i18n.plural(1234, "%(num)s track", "%(num)s tracks") == "1.234 Titel"
    with i18n.speaking(speaking("fr")):
        assert i18n.plural(0, "%(num)s release", "%(num)s releases") == "0 sortie"  # French: 0 is singular
    with i18n.speaking(speaking("ja")):
        assert i18n.plural(3, "%(num)s release", "%(num)s releases") == "3 件のリリース"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("de-CH, en;q=0.8", "de"),
        ("nl, pt;q=0.9", "pt-BR"),
        ("en;q=0.1, ar;q=0.5", "ar"),
        ("*", None),
        ("", None),
        ("ja;q=0", None),
        ("xx, ;;;, =q, de;q=nan, fr;q=abc", None),
        ("de;q=" + "9" * 10000, None),
        (", ".join(["zz"] * 5000) + ", it", None),  # only the first 32 are read: a hostile header stays cheap
    ],
)
def test_accept_language(header: str, chosen: str | None) -> None:
    assert i18n.negotiate(header) == chosen


def test_tags_the_way_html_writes_them() -> None:
    assert speaking("pt_br").tag == "pt-BR" and speaking("pt_br").catalog == "pt_BR"
    assert speaking("de-AT").catalog == "de" and speaking("nl").catalog == "en" and speaking("nl").tag == "nl"
    assert speaking("ar").dir == "rtl" and speaking("ja").dir == "ltr"
    assert speaking("not a tag at all").tag == "en"


def test_constant_messages_are_translated_when_a_template_compiles() -> None:
    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=i18n.template_gettext)
    source = '<a title="{{ _("Copy link") }}">{{ _("Play %(title)s", title=t) }}</a>'
    german = overlay_for(env, "de").from_string(source)
    assert "Link kopieren" in german.environment.compile(source, raw=True)  # folded into the code
    with i18n.speaking(speaking("de")):
        assert german.render(t="<b>") == '<a title="Link kopieren">&lt;b&gt; abspielen</a>'
    english = overlay_for(env, "en").from_string(source)
    with i18n.speaking(speaking("en")):
        assert english.render(t="A & B") == '<a title="Copy link">Play A &amp; B</a>'
