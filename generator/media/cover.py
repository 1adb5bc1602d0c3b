"""Procedural covers: a deterministic SVG for a release that has no picture.

Everything visual comes from a SHA-256 of the seed (the release slug), so the cover is
the same on every machine and every build, and two releases rarely look alike. Numbers
are rounded before formatting so the bytes do not depend on the platform's libm.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from html import escape

from tunecamp.generator.catalog import urls
from tunecamp.generator.catalog.model import Release
from tunecamp.generator.media.model import ImageSet, ImageVariant
from tunecamp.generator.output import Output

SIZE = 1200
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Dice:
    """Deterministic choices drawn from the seed's hash, extended as needed."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode("utf-8", "surrogatepass")
        self._bytes = self._stream()

    def _stream(self) -> Iterator[int]:
        counter = 0
        while True:
            yield from hashlib.sha256(self._seed + counter.to_bytes(4, "big")).digest()
            counter += 1

    def unit(self) -> float:
        """A number in [0, 1) with 16 bits of resolution."""
        return (next(self._bytes) * 256 + next(self._bytes)) / 65536

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def pick(self, n: int) -> int:
        return int(self.unit() * n)


def _hex(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _n(x: float) -> str:
    """A coordinate with one decimal, without a trailing '.0'."""
    text = f"{round(x, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _palette(dice: _Dice) -> list[str]:
    hue = dice.unit()
    offsets = [(0.0, 0.5, 0.08), (0.0, 0.08, 0.5), (0.0, 0.33, 0.66), (0.0, 0.42, 0.58)][dice.pick(4)]
    sat = dice.between(0.45, 0.8)
    return [
        _hex(hue + offsets[0], dice.between(0.12, 0.22), sat),  # dark background
        _hex(hue + offsets[1], dice.between(0.3, 0.45), sat),  # background, other end
        _hex(hue + offsets[2], dice.between(0.55, 0.7), min(1.0, sat + 0.15)),  # accent
        _hex(hue + offsets[0] + 0.5, dice.between(0.75, 0.88), sat),  # light accent
    ]


def _orbits(dice: _Dice, colors: list[str]) -> str:
    cx, cy = dice.between(300, 900), dice.between(250, 700)
    rings = []
    for i in range(int(dice.between(5, 11))):
        r = 60 + i * dice.between(45, 90)
        rings.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="none" stroke="{colors[2 + i % 2]}" '
            f'stroke-width="{_n(dice.between(3, 28))}" opacity="{_n(dice.between(0.3, 0.9))}"/>'
        )
    return "".join(rings)


def _bands(dice: _Dice, colors: list[str]) -> str:
    angle = round(dice.between(-60, 60))
    bands, x = [], -600.0
    while x < 1800:
        width = dice.between(30, 160)
        if dice.unit() < 0.6:
            bands.append(
                f'<rect x="{_n(x)}" y="-600" width="{_n(width)}" height="2400" '
                f'fill="{colors[2 + dice.pick(2)]}" opacity="{_n(dice.between(0.25, 0.85))}"/>'
            )
        x += width + dice.between(10, 90)
    return f'<g transform="rotate({angle} 600 600)">{"".join(bands)}</g>'


def _halftone(dice: _Dice, colors: list[str]) -> str:
    step = int(dice.between(70, 130))
    fx, fy = dice.between(0, 1200), dice.between(0, 900)
    dots = []
    for y in range(step // 2, SIZE, step):
        for x in range(step // 2, SIZE, step):
            near = 1 - min(1.0, math.hypot(x - fx, y - fy) / 1100)
            r = step * 0.48 * near * dice.between(0.6, 1.0)
            if r > 3:
                dots.append(
                    f'<circle cx="{x}" cy="{y}" r="{_n(r)}" fill="{colors[2 + (x + y) // step % 2]}"/>'
                )
    return f'<g opacity="{_n(dice.between(0.55, 0.9))}">{"".join(dots)}</g>'


def _waves(dice: _Dice, colors: list[str]) -> str:
    lines = []
    count = int(dice.between(7, 15))
    freq, phase = dice.between(1.5, 4.5), dice.between(0, math.tau)
    for i in range(count):
        base = 150 + i * (750 / count)
        amp = dice.between(20, 110)
        points = " ".join(
            f"{_n(x)},{_n(base + amp * math.sin(freq * math.tau * x / SIZE + phase + i * 0.4))}"
            for x in range(0, SIZE + 1, 40)
        )
        lines.append(
            f'<polyline points="{points}" fill="none" stroke="{colors[2 + i % 2]}" '
            f'stroke-width="{_n(dice.between(4, 18))}" stroke-linecap="round" '
            f'opacity="{_n(dice.between(0.4, 0.95))}"/>'
        )
    return "".join(lines)


def _sun(dice: _Dice, colors: list[str]) -> str:
    cx, cy, r = dice.between(350, 850), dice.between(350, 600), dice.between(220, 380)
    bars = []
    y = cy
    while y < cy + r:
        gap = dice.between(8, 30)
        bars.append(f'<rect x="0" y="{_n(y)}" width="{SIZE}" height="{_n(gap)}" fill="{colors[0]}"/>')
        y += gap + dice.between(20, 60)
    return (
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{colors[3]}"/>'
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r * 0.7)}" fill="{colors[2]}" opacity="0.6"/>'
        + "".join(bars)
    )


PATTERNS: tuple[Callable[[_Dice, list[str]], str], ...] = (_orbits, _bands, _halftone, _waves, _sun)


def _clean(text: str) -> str:
    return " ".join(_INVALID_XML.sub("", text).split())


def _width(text: str) -> float:
    """Rough rendered width in ems: wide (CJK) characters count double."""
    return sum(1.1 if unicodedata.east_asian_width(ch) in "WF" else 0.58 for ch in text)


def _lines(title: str, max_lines: int = 3, max_em: float = 16.0) -> list[str]:
    lines: list[str] = []
    for word in title.split(" "):
        if lines and _width(lines[-1] + " " + word) <= max_em:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    last = lines[-1]
    if _width(last) > max_em * 1.3:
        while last and _width(last + "…") > max_em * 1.3:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _is_rtl(text: str) -> bool:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _title(title: str, colors: list[str]) -> str:
    text = _clean(title)
    if not text:
        return ""
    lines = _lines(text)
    size = max(48, min(110, round(1000 / max(_width(line) for line in lines))))
    rtl = _is_rtl(text)
    x = SIZE - 90 if rtl else 90
    direction = ' direction="rtl"' if rtl else ""
    top = SIZE - 90 - size * 1.15 * (len(lines) - 1)
    tspans = "".join(
        f'<tspan x="{x}" y="{_n(top + i * size * 1.15)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    band = top - size - 50
    return (
        f'<rect x="0" y="{_n(band)}" width="{SIZE}" height="{_n(SIZE - band)}" fill="{colors[0]}" '
        f'opacity="0.72"/>'
        f'<text font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif" font-weight="700" '
        f'font-size="{size}" fill="#ffffff"{direction} text-anchor="start">{tspans}</text>'
    )


def procedural_cover(seed: str, title: str) -> bytes:
    """A 1200×1200 SVG cover drawn from `seed`, with `title` written on it."""
    dice = _Dice(seed)
    colors = _palette(dice)
    pattern = PATTERNS[dice.pick(len(PATTERNS))]
    angle = round(dice.between(0, 360))
    label = escape(_clean(title) or "Cover", quote=True)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{label}">'
        f'<defs><linearGradient id="bg" gradientTransform="rotate({angle} 0.5 0.5)">'
        f'<stop offset="0" stop-color="{colors[0]}"/><stop offset="1" stop-color="{colors[1]}"/>'
        f"</linearGradient></defs>"
        f'<rect width="{SIZE}" height="{SIZE}" fill="url(#bg)"/>'
        f"{pattern(dice, colors)}{_title(title, colors)}</svg>\n"
    )
    return svg.encode("utf-8")


def generated_cover(release: Release) -> tuple[ImageSet, Output]:
    """The procedural SVG cover of a release that has no picture, and its file."""
    path = f"{urls.release(release)}cover.svg"
    variant = ImageVariant(path, 1200, 1200, "image/svg+xml")
    image = ImageSet((variant,), f"Generated cover for {release.title}", variant)
    return image, Output(path, data=procedural_cover(release.slug, release.title))
