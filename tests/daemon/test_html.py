"""daemon/html.py's helpers the dashboards share."""

from __future__ import annotations

import pytest

from tunecamp.daemon.html import ago
from tunecamp.generator.site import i18n

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("tag", "seconds", "expected"),
    [
        ("en", 7300, "2 hours ago"),
        ("en", 5, "5 seconds ago"),
        ("de", 7300, "vor 2 Stunden"),
        ("ja", 7300, "2 時間前"),
        ("en", -30, "1 second ago"),  # a clock a little ahead is not the future
    ],
)
def test_ago_speaks_the_page_language(tag: str, seconds: float, expected: str) -> None:
    with i18n.speaking(i18n.page_locale(tag, i18n.DASHBOARD_DOMAIN)):
        assert ago(NOW - seconds, NOW) == expected


def test_never_is_a_dash() -> None:
    assert ago(None, NOW) == "—" and ago(0, NOW) == "—"
