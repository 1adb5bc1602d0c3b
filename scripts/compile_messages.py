"""Compile the message catalogs: each .po to its .mo, and the scripts' messages of each domain to JSON.

Run by setup.py's build_py (wheels, `make install`) and by `make messages`. Standalone on purpose:
setup.py imports it before the package is installed, so it needs nothing but Babel.

The JSON carries only the messages whose source is a script (`#: themes/.../player.js:12`), keyed by
their English text; a plural message maps each CLDR category (zero, one, two, few, many, other) to
its text, so the scripts pick a form with Intl.PluralRules and never evaluate the catalog's formula.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SCRIPT_DOMAINS = ("site", "dashboard")  # site: the theme's scripts; dashboard: the daemon's
# gettext numbers plural forms in CLDR's order of the categories a language uses (Babel's to_gettext)
CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def script_messages(catalog: Catalog) -> dict[str, object]:
    tags = [c for c in CATEGORIES if c in catalog.locale.plural_form.tags] if catalog.locale else ["other"]
    messages: dict[str, object] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not any(f.endswith(".js") for f, _ in message.locations):
            continue
        if isinstance(message.id, tuple):
            forms = list(message.string) if all(message.string) else [message.id[0], message.id[1]]
            messages[message.id[0]] = dict(zip(tags, forms, strict=False)) | {"other": forms[-1]}
        elif message.string:
            messages[message.id] = message.string
    return messages


def compile_all(locale_dir: Path) -> list[Path]:
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name, domain=po.stem)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog)  # fuzzy entries are left out: they fall back to English
        written.append(mo)
        if po.stem in SCRIPT_DOMAINS:
            data = {"language": po.parent.parent.name, "messages": script_messages(catalog)}
            js = po.with_suffix(".json")
            js.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
            written.append(js)
    return written


if __name__ == "__main__":
    root = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "themes/locale"
    )
    print(f"compiled {len(compile_all(root))} files under {root}")
