"""Reading request bodies: every JSON and form body the daemon accepts is read here.

A body that cannot be decoded (not UTF-8, a lone surrogate, JSON nested deeper than any
document we take, a multipart body with a wrong boundary or a nameless part, a file where
text was expected) is the client's mistake. It is caught here, once, as `MalformedBody`,
which the error middleware answers with a 400 (and the Subsonic API with its error 0),
instead of surfacing later in a handler as a RecursionError or a UnicodeEncodeError, a 500.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

# Our documents are two levels deep; without a bound, json's own limit is the C stack's
# (a RecursionError), and a thousand-deep value would still reach our code.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
# What aiohttp's form parser raises for a body it cannot decode: a missing or wrong
# boundary, a nameless or nested part, an unknown charset or content encoding, bad
# compressed data, a malformed part header.
_FORM_ERRORS = (
    ValueError,
    LookupError,
    RuntimeError,
    TypeError,
    AssertionError,
    zlib.error,
    HttpProcessingError,
)


class MalformedBody(Exception):
    """A request body that cannot be decoded; the message says why, for the client."""


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def check_text(value: str, what: str) -> None:
    # a lone surrogate decodes from JSON's "\ud800" or from UTF-7, and fails much later, when
    # SQLite, hashlib or the response encoder turns the string back into UTF-8
    if found := _SURROGATE.search(value):
        raise MalformedBody(f"{what}: a lone surrogate (\\u{ord(found.group()):04x}) is not text")


def check_json(data: Any) -> None:
    """Refuse values nested deeper than MAX_DEPTH and strings that are not valid Unicode text."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, "a JSON string")
        elif isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"JSON nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key in value:
                    check_text(key, "a JSON key")
                value = value.values()
            stack.extend((item, depth + 1) for item in value)


def parse_json(raw: bytes) -> Any:
    try:
        # decoded here, strictly: json.loads(bytes) would let encoded surrogates through
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise MalformedBody(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise MalformedBody(f"malformed JSON: {_short(exc)}") from None
    check_json(data)
    return data


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body; MalformedBody says what is wrong with it."""
    if request.content_type != "application/json":
        raise MalformedBody("send a JSON body with Content-Type: application/json")
    data = parse_json(await request.read())  # over client_max_size: aiohttp answers 413
    if not isinstance(data, dict):
        raise MalformedBody("expected a JSON object")
    return data


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """The request's form fields (URL-encoded or multipart), all text; MalformedBody otherwise.

    aiohttp caches the parsed form, so reading it twice (the CSRF check, then the handler) parses once.
    """
    try:
        form = await request.post()
    except _FORM_ERRORS as exc:
        raise MalformedBody(f"malformed form body: {_short(exc)}") from None
    for name, value in form.items():
        if not isinstance(value, str):
            for field in form.values():  # spooled to temporary files by aiohttp
                if isinstance(field, web.FileField):
                    field.file.close()
            raise MalformedBody(f"form field {name[:64]!r}: expected text, not a file or binary part")
        check_text(name, "a form field name")
        check_text(value, f"form field {name[:64]!r}")
    return cast(MultiDictProxy[str], form)
