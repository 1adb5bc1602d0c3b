"""From findings to a diff: one proposal per field (and track), the surest source winning.

A proposal equal to what the catalog already says is dropped. One over a value the artist set
is kept, marked `overwrite`: shown, and applied only when that field is named (--overwrite, or
its checkbox ticked on the dashboard).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tunecamp.daemon.enrich.model import FIELDS, PROVIDERS, Finding, Proposal, ReleaseQuery, Value
from tunecamp.daemon.enrich.scorer import fold

# Ties go to the source listed first.
PRIORITY = {name: i for i, name in enumerate(PROVIDERS)}


@dataclass(frozen=True)
class Options:
    fields: frozenset[str] = frozenset(FIELDS)  # --only
    providers: frozenset[str] = frozenset(PROVIDERS)  # --provider
    overwrite: frozenset[str] = frozenset()  # --overwrite: fields whose artist's value may be replaced
    refresh: bool = False

    def wants(self, field: str, current: Value | None) -> bool:
        """Whether looking `field` up is worth it: asked for, and empty or to be overwritten."""
        return field in self.fields and (current is None or field in self.overwrite)


def _same(a: Value | None, b: Value) -> bool:
    if a is None:
        return False
    if isinstance(a, list) or isinstance(b, list):
        left = [a] if isinstance(a, str) else a
        right = [b] if isinstance(b, str) else b
        return [fold(x) for x in left] == [fold(x) for x in right]
    return fold(a) == fold(b) and (a.strip() == b.strip() or len(a) > 40)


def build(q: ReleaseQuery, findings: Iterable[Finding], options: Options) -> tuple[Proposal, ...]:
    best: dict[tuple[str, str | None], Finding] = {}
    for f in findings:
        if f.field not in options.fields:
            continue
        key = (f.field, f.track)
        held = best.get(key)
        if held is None or (f.confidence, -PRIORITY.get(f.source, 99)) > (
            held.confidence,
            -PRIORITY.get(held.source, 99),
        ):
            best[key] = f
    tracks = {t.file: t for t in q.tracks}
    order = {name: i for i, name in enumerate(FIELDS)}
    proposals = []
    for (field, track), f in sorted(best.items(), key=lambda kv: (kv[0][1] or "", order.get(kv[0][0], 99))):
        values = q.values if track is None else tracks[track].values if track in tracks else None
        if values is None:
            continue
        current = values.get(field)
        if field not in ("cover", "lyrics") and _same(current, f.value):
            continue
        if field == "title" and track in tracks and _same(tracks[track].title, f.value):
            continue  # the title made from the file's name already says it
        proposals.append(
            Proposal(
                field, track, current, f.value, f.source, round(f.confidence, 2), current is not None, f.extra
            )
        )
    return tuple(proposals)


def chosen(proposals: Iterable[Proposal], overwrite: frozenset[str]) -> list[Proposal]:
    """What --apply writes: every proposal for an empty field, and the named overwrites."""
    return [p for p in proposals if not p.overwrite or p.field in overwrite]


def stale(q: ReleaseQuery, proposals: Iterable[Proposal]) -> list[str]:
    """The proposals whose field changed since the look-up (the artist edited it meanwhile)."""
    tracks = {t.file: t for t in q.tracks}
    changed = []
    for p in proposals:
        values = q.values if p.track is None else tracks[p.track].values if p.track in tracks else None
        if values is None or values.get(p.field) != p.current:
            changed.append(p.key)
    return changed
