from __future__ import annotations

from decimal import Decimal

import pytest

from tunecamp.generator.catalog.settings import Settings, parse_settings


def test_settings_inherit_and_override() -> None:
    catalog = Settings().override(parse_settings({"license": "CC0-1.0", "download": "free"})[0])
    artist = catalog.override(parse_settings({"download": "name-your-price", "price": "4.50"})[0])
    release = artist.override(parse_settings({"download_formats": ["flac", "FLAC", "opus-128"]})[0])
    track = release.override(parse_settings({"download": "none"})[0])
    assert release.license == "CC0-1.0" and release.download == "name-your-price"
    assert release.price == Decimal("4.50")
    assert release.download_formats == ("flac", "opus-128")
    assert track.download == "none" and track.license == "CC0-1.0"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("download", "sometimes", "is not one of"),
        ("price", "cheap", "is not a price"),
        ("price", -1, "is not a price"),
        ("currency", "euro", "three-letter"),
        ("download_formats", ["flac", "mp5"], "'mp5' is not one of"),
        ("external_url", "javascript:alert(1)", "not an http(s) URL"),
        ("embed", "yes", "true or false"),
        ("license", ["a", "b"], "expected text"),
    ],
)
def test_bad_values_name_the_key(key: str, value: object, fragment: str) -> None:
    values, errors = parse_settings({key: value, "streaming": "frugal"})
    assert key not in values and fragment in errors[key]
    assert values == {"streaming": "frugal"}


def test_payment_links_inherit_and_name_known_services() -> None:
    catalog = Settings().override(parse_settings({"payment": "https://liberapay.com/label"})[0])
    links, errors = parse_settings(
        {
            "payment": [
                "https://ko-fi.com/ada",
                {"label": "Tip jar", "url": "https://tips.example.org/ada"},
                "https://paypal.me/ada",
                "https://buy.stripe.com/test_123",
                "https://www.example.net/pay",
            ]
        }
    )
    artist = catalog.override(links)
    release = artist.override(parse_settings({"license": "CC0-1.0"})[0])
    assert errors == {}
    assert [link.label for link in catalog.payment] == ["Liberapay"]
    assert [(link.label, link.url) for link in release.payment] == [
        ("Ko-fi", "https://ko-fi.com/ada"),
        ("Tip jar", "https://tips.example.org/ada"),
        ("PayPal", "https://paypal.me/ada"),
        ("Stripe", "https://buy.stripe.com/test_123"),
        ("example.net", "https://www.example.net/pay"),
    ]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("javascript:alert(1)", "not an http(s) URL"),
        ([{"label": "x"}], "mapping with `url`"),
        ([{"url": "https://a.example", "colour": "red"}], "mapping with `url`"),
        ([True], "expected text"),
        ("https://", "has no host"),
    ],
)
def test_bad_payment_links_name_the_key(value: object, fragment: str) -> None:
    values, errors = parse_settings({"payment": value})
    assert "payment" not in values and fragment in errors["payment"]
