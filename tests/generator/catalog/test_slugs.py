from __future__ import annotations

import pytest

from tunecamp.generator.catalog.slugs import is_safe_slug, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Øresund", "oresund"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Ça va — Live!", "ca-va-live"),
        ("Привет мир", "privet-mir"),
        ("とうきょう", "toukiyou"),
        ("トウキョウ", "toukiyou"),
        ("Sigur Rós", "sigur-ros"),
        ("AC/DC", "ac-dc"),
        ("Don't Stop", "don-t-stop"),
        ("...", ""),
    ],
)
def test_letters_are_transliterated_not_dropped(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slug == "" or is_safe_slug(slug)


def test_long_titles_are_cut_at_80_without_a_trailing_hyphen() -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80 and is_safe_slug(slug)
