"""Templates compiled once per language, their constant messages translated at compile time.

`{{ _("Skip to content") }}` is a call per page in jinja's i18n extension; a site renders tens of
them on every page, which cost the build a quarter of its render time. A theme's environment
makes an overlay per catalog (its own cache of compiled templates) whose token filter turns
`_("constant")` into the translated string constant, which jinja then writes into the compiled
template as text, and `_("constant %(name)s", name=...)` into a call that only formats the
translation. `_(variable)`, `{% trans %}` and `plural()` still translate at render time, through
the page's locale (i18n.py). Extraction (`make messages`) reads the sources, so it
still sees every `_()`.
"""

from __future__ import annotations

from collections.abc import Iterator

import jinja2
import jinja2.ext
from jinja2.lexer import Token, TokenStream

from tunecamp.generator.site import i18n

_SHAPE = ("name", "lparen", "string", "rparen")
_WITH_VARIABLES = ("name", "lparen", "string", "comma")


class ConstantMessages(jinja2.ext.Extension):
    """Folds `_("constant")` into the translation of the environment's `tunecamp_catalog`."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        catalog: str = getattr(self.environment, "tunecamp_catalog", i18n.SOURCE_LANGUAGE)
        translations = i18n.page_locale(catalog).translations
        window: list[Token] = []
        for token in stream:
            window.append(token)
            shape = tuple(t.type for t in window[-4:]) if len(window) >= 4 else ()
            if shape == _SHAPE and window[-4].value == "_":
                call = window[-4:]
                del window[-4:]
                window.append(Token(call[0].lineno, "string", translations.gettext(call[2].value)))
            elif shape == _WITH_VARIABLES and window[-4].value == "_":
                # _("Play %(title)s", title=...) -> "Spiele %(title)s"|_formatted(title=...): translated
                # now, formatted per page by a filter (jinja calls filters directly, functions through
                # the context, which costs more than the formatting)
                name, paren, message, _comma = window[-4:]
                window[-4:] = [
                    Token(message.lineno, "string", translations.gettext(message.value)),
                    Token(name.lineno, "pipe", "|"),
                    Token(name.lineno, "name", "_formatted"),
                    paren,
                ]
            if len(window) > 4:
                yield window.pop(0)
        yield from window


def overlay_for(env: jinja2.Environment, catalog: str) -> jinja2.Environment:
    """`env` speaking `catalog`: same loader, globals and filters, its own compiled templates."""
    speaking = env.overlay(extensions=[ConstantMessages])
    speaking.filters = {**env.filters, "_formatted": i18n.formatted}
    speaking.tunecamp_catalog = catalog  # type: ignore[attr-defined]
    return speaking
