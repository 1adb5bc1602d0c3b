from __future__ import annotations

import pytest

from tunecamp.generator.site.timecodes import link_timecodes, link_timecodes_in_text, parse_timecode


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("80", 80),
        ("80.5", 80.5),
        ("1m20s", 80),
        ("1m20", 80),
        ("1h2m3s", 3723),
        ("2h", 7200),
        ("1:20", 80),
        ("01:02:03", 3723),
        ("0:05.5", 5.5),
        (" 1:20 ", 80),
        ("90:00", 5400),
    ],
)
def test_parse_timecode(text: str, seconds: float) -> None:
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:2", "1:60", "1:75:00", "-5", "1m-2s", "t=5", "1::20"])
def test_parse_timecode_rejects_what_is_not_one(text: str) -> None:
    assert parse_timecode(text) is None


def test_timecodes_in_html_text_become_links() -> None:
    html = "<p>Bells at 1:20 and 1:02:03, <em>again 0:07</em>.</p>"
    assert link_timecodes(html) == (
        '<p>Bells at <a class="timecode" href="#t=80">1:20</a> and <a class="timecode" href="#t=3723">1:02:03</a>, '
        '<em>again <a class="timecode" href="#t=7">0:07</a></em>.</p>'
    )


def test_timecodes_leave_links_code_attributes_and_other_numbers_alone() -> None:
    html = (
        '<p><a href="https://x.example/1:20">at 1:20</a> <code>12:30</code> <img alt="2:30" src="x"> '
        "ratio 16:9, 1:60, 10:20:30:40, v1.2:30, 3:20pm</p>"
    )
    assert link_timecodes(html) == html


def test_plain_text_is_escaped_before_linking() -> None:
    assert link_timecodes_in_text("<b>solo</b> at 2:05\nthen & more") == (
        '&lt;b&gt;solo&lt;/b&gt; at <a class="timecode" href="#t=125">2:05</a><br>\nthen &amp; more'
    )
