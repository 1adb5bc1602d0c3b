"""Templates compiled once per language, their messages translated at compile time.

`{{ _("Skip to content") }}` is a call per page in jinja's i18n extension, and a site renders tens of
them on every page. A theme's environment makes an overlay per catalog (its own cache of compiled
templates) whose token filter translates while the template compiles:

- `{{ _("Play %(title)s", title=tv.title) }}`, a whole output of a constant message, becomes the
  translation's text with each placeholder an output of its expression: `{{ (tv.title) }} abspielen`,
  as if the template had been written in German (the text is trusted, the values escaped);
- any other `_("constant")` (a macro argument, an attribute of a call) becomes the translated string.

`_(variable)`, `{% trans %}` and `plural()` still translate at render time, through the page's locale
(i18n.py). Extraction (`make messages`) reads the sources, so it still sees every `_()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import jinja2
import jinja2.ext
from jinja2.lexer import Token, TokenStream

from tunecamp.generator.site import i18n

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
_OPEN = {"lparen", "lbracket", "lbrace"}
_CLOSE = {"rparen", "rbracket", "rbrace"}


def _arguments(tokens: list[Token]) -> dict[str, list[Token]] | None:
    """`name=expr, name=expr` as {name: expr tokens}; None for anything else."""
    found: dict[str, list[Token]] = {}
    part: list[Token] = []
    depth = 0
    for token in [*tokens, Token(0, "comma", ",")]:
        if token.type == "comma" and depth == 0:
            if len(part) < 3 or part[0].type != "name" or part[1].type != "assign":
                return None
            found[part[0].value] = part[2:]
            part = []
            continue
        depth += (token.type in _OPEN) - (token.type in _CLOSE)
        part.append(token)
    return found


def _as_template(inner: list[Token], translate: Callable[[str], str]) -> list[Token] | None:
    """The tokens of `{{ _("…", k=v) }}` written out as text and outputs, or None when it is not one."""
    if len(inner) < 4 or inner[0].type != "name" or inner[0].value != "_" or inner[1].type != "lparen":
        return None
    if inner[2].type != "string" or inner[-1].type != "rparen":
        return None
    rest = inner[3:-1]
    if rest and rest[0].type != "comma":
        return None
    variables = _arguments(rest[1:]) if rest else {}
    if variables is None:
        return None
    text = translate(inner[2].value)
    line = inner[0].lineno
    out: list[Token] = []
    start = 0
    for match in _PLACEHOLDER.finditer(text):
        literal = text[start : match.start()] + ("%" if match.group(0) == "%%" else "")
        start = match.end()
        if literal:
            out.append(Token(line, "data", literal))
        if match.group(1) is None:
            continue
        expression = variables.get(match.group(1))
        if expression is None:
            return None  # a placeholder the call does not give: leave it to render time
        out += [
            Token(line, "variable_begin", "{{"),
            Token(line, "lparen", "("),
            *expression,
            Token(line, "rparen", ")"),
            Token(line, "variable_end", "}}"),
        ]
    if text[start:]:
        out.append(Token(line, "data", text[start:]))
    return out


class ConstantMessages(jinja2.ext.Extension):
    """Translates constant messages into the environment's `tunecamp_catalog` while compiling."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        catalog: str = getattr(self.environment, "tunecamp_catalog", i18n.SOURCE_LANGUAGE)
        translate = i18n.page_locale(catalog).translations.gettext
        tokens = iter(stream)
        for token in tokens:
            if token.type != "variable_begin":
                yield token
                continue
            inner = []
            for inside in tokens:
                if inside.type == "variable_end":
                    end = inside
                    break
                inner.append(inside)
            else:
                end = None
            written = _as_template(inner, translate)
            if written is not None:
                yield from written
                continue
            yield token
            yield from _fold(inner, translate)
            if end is not None:
                yield end


def _fold(tokens: list[Token], translate: Callable[[str], str]) -> Iterator[Token]:
    """`_("constant")` inside an expression -> the translated string."""
    i = 0
    while i < len(tokens):
        window = tokens[i : i + 4]
        if [t.type for t in window] == ["name", "lparen", "string", "rparen"] and window[0].value == "_":
            yield Token(window[0].lineno, "string", translate(window[2].value))
            i += 4
            continue
        yield tokens[i]
        i += 1


def overlay_for(env: jinja2.Environment, catalog: str) -> jinja2.Environment:
    """`env` speaking `catalog`: same loader, globals and filters, its own compiled templates."""
    speaking = env.overlay(extensions=[ConstantMessages])
    speaking.tunecamp_catalog = catalog  # type: ignore[attr-defined]
    return speaking
