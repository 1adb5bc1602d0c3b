"""Counted words ("1 release", "2 releases"): one function for the pages and the terminal alike.

It goes through gettext's ngettext, so a translation catalog installed later (a theme's
`language`) gets each language's own plural rules, not English's "one or many".
"""

from __future__ import annotations

import gettext

_translations: gettext.NullTranslations = gettext.NullTranslations()


def plural(count: int, one: str, many: str) -> str:
    """`count` with the noun that fits it: plural(1, "release", "releases") -> "1 release"."""
    return f"{count:,} {_translations.ngettext(one, many, count)}"
