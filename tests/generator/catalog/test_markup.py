from __future__ import annotations

from tunecamp.generator.catalog.markup import render_markdown, summary


def test_markdown_renders() -> None:
    html = render_markdown("Hello **world**, see [site](https://example.org).")
    assert "<strong>world</strong>" in html
    assert 'href="https://example.org"' in html


def test_raw_html_and_script_urls_are_removed_by_default() -> None:
    html = render_markdown(
        '<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror="alert(3)">'
    )
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_raw_html_is_kept_when_the_catalog_opts_in() -> None:
    assert '<iframe src="https://example.org"></iframe>' in render_markdown(
        '<iframe src="https://example.org"></iframe>', allow_html=True
    )


def test_summary_is_the_first_paragraph_as_text() -> None:
    html = render_markdown("First *para* &amp; more.\n\nSecond.")
    assert summary(html) == "First para & more."
    assert summary("<p>" + "word " * 100 + "</p>", limit=20).endswith("…")
