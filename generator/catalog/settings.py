"""Settings that inherit catalog → artist → release → track.

The same key means the same thing in catalog.yaml, artist.yaml, release.yaml and a
track entry of release.yaml; the nearer file wins. Each key has one parser here, so a
bad value is reported once, the same way, wherever it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import babel

DOWNLOAD_POLICIES = ("free", "name-your-price", "codes", "paid", "external", "none")
STREAMING_PRESETS = ("standard", "frugal", "high")
DOWNLOAD_FORMATS = (
    "flac",
    "alac",
    "wav",
    "aiff",
    "mp3-v0",
    "mp3-320",
    "aac",
    "vorbis",
    "opus-128",
)


# Policies whose downloads only the daemon can hand out (after a code or a payment).
DAEMON_POLICIES = ("codes", "paid")
# Hosts of the payment services people know by name, for a link written without a label.
PAYMENT_SERVICES = {
    "liberapay.com": "Liberapay",
    "ko-fi.com": "Ko-fi",
    "paypal.me": "PayPal",
    "www.paypal.com": "PayPal",
    "paypal.com": "PayPal",
    "buy.stripe.com": "Stripe",
    "donate.stripe.com": "Stripe",
    "www.patreon.com": "Patreon",
    "patreon.com": "Patreon",
    "opencollective.com": "Open Collective",
    "www.buymeacoffee.com": "Buy Me a Coffee",
    "buymeacoffee.com": "Buy Me a Coffee",
}


@dataclass(frozen=True)
class PaymentLink:
    """Where a listener pays without a wallet: Liberapay, Ko-fi, PayPal.me, a Stripe Payment Link..."""

    label: str
    url: str

    @property
    def secure(self) -> bool:
        return self.url.startswith("https://")


@dataclass(frozen=True)
class Settings:
    license: str | None = None
    download: str = "free"
    price: Decimal | None = None
    currency: str = "EUR"
    download_formats: tuple[str, ...] = ("flac", "mp3-v0")
    streaming: str = "standard"
    external_url: str | None = None
    embed: bool = True
    explicit: bool = False
    payment: tuple[PaymentLink, ...] = ()
    language: str = "en"  # BCP 47, normalised: "pt-BR"; the pages of what it is set on speak it

    def override(self, values: Mapping[str, Any]) -> Settings:
        """A copy with `values` (already parsed by `parse_settings`) applied."""
        return replace(self, **values) if values else self


def _str(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value).strip()


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _str(value).lower()
        if text not in options:
            raise ValueError(f"{text!r} is not one of: {', '.join(options)}")
        return text

    return parse


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(_str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a price (write it like 5 or 4.50)") from None
    if price < 0 or not price.is_finite():
        raise ValueError(f"{value!r} is not a price (write it like 5 or 4.50)")
    return price


def _currency(value: Any) -> str:
    text = _str(value).upper()
    if len(text) != 3 or not text.isalpha():
        raise ValueError(f"{value!r} is not a three-letter currency code like EUR or USD")
    return text


def _formats(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    parse = _choice(DOWNLOAD_FORMATS)
    return tuple(dict.fromkeys(parse(item) for item in items))


def _url(value: Any) -> str:
    text = _str(value)
    if not text.startswith(("https://", "http://")):
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text


def _payment_link(item: Any) -> PaymentLink:
    if isinstance(item, dict):
        unknown = set(item) - {"label", "url"}
        if unknown or "url" not in item:
            raise ValueError("each payment link is a URL, or a mapping with `url` and an optional `label`")
        url, label = _url(item["url"]), _str(item.get("label", "")) if item.get("label") is not None else ""
    else:
        url, label = _url(item), ""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise ValueError(f"{url!r} has no host")
    return PaymentLink(label or PAYMENT_SERVICES.get(host, host.removeprefix("www.")), url)


def _payment(value: Any) -> tuple[PaymentLink, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(dict.fromkeys(_payment_link(item) for item in items))


def language_tag(value: Any) -> str:
    """A BCP 47 tag Babel knows, written the standard way: "pt_br" -> "pt-BR"."""
    text = _str(value).replace("_", "-")
    try:
        return str(babel.Locale.parse(text, sep="-")).replace("_", "-")
    except (ValueError, TypeError, babel.UnknownLocaleError):
        raise ValueError(f"{text!r} is not a language tag (write it like en, fr, ja or pt-BR)") from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


PARSERS: dict[str, Callable[[Any], Any]] = {
    "license": _str,
    "download": _choice(DOWNLOAD_POLICIES),
    "price": _price,
    "currency": _currency,
    "download_formats": _formats,
    "streaming": _choice(STREAMING_PRESETS),
    "external_url": _url,
    "embed": _bool,
    "explicit": _bool,
    "payment": _payment,
    "language": language_tag,
}
SETTING_KEYS = frozenset(f.name for f in fields(Settings))
assert PARSERS.keys() == SETTING_KEYS


def parse_settings(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Pick the setting keys out of a metadata mapping.

    Returns the parsed values and, separately, an error message per bad key, so the
    caller can report them against its file and still use the good ones.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in SETTING_KEYS & data.keys():
        try:
            values[key] = PARSERS[key](data[key])
        except ValueError as exc:
            errors[key] = str(exc)
    return values, errors
