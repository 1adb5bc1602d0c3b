"""Looking after the media cache between builds (`tunecamp cache gc|verify`): `gc` drops what no
source needs any more, `verify` checks every object against the record made with it (cache.py);
`cache_gc` and `cache_verify` do so for a catalog, reading sources only to hash the ones the stat
index does not know, and running no ffmpeg.

Run them between builds: a build running meanwhile may lose an object it just made (and make it
again next time).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.media.analysis import Analysis
from tunecamp.generator.media.archives import release_extras, zip_key, zip_plan
from tunecamp.generator.media.cache import INDEX_VERSION, SUM, AudioCache, Damage
from tunecamp.generator.media.images import blurhash_key
from tunecamp.generator.media.plan import Product, analysis_key, plan_catalog, product_keys
from tunecamp.generator.media.previews import cut, preview_key, wants_preview
from tunecamp.generator.media.stage import catalog_pictures
from tunecamp.generator.problems import Problems


@dataclass(frozen=True)
class VerifyStats:
    checked: int
    checked_bytes: int
    damaged: tuple[Damage, ...]  # removed: the next build makes them again
    recorded: int  # made before records were kept: recorded as found


def verify(cache: AudioCache, sources: Mapping[str, Path]) -> VerifyStats:
    """Check every object of `cache` (opened with `verify` to compare hashes, not only sizes).

    `sources` (key → the file or folder it is made from) names what each damaged object was made of.
    """
    checked = checked_bytes = 0
    for folder in sorted(cache.objects.iterdir()) if cache.objects.is_dir() else []:
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            if entry.name.endswith(SUM):
                if not entry.with_name(entry.name.removesuffix(SUM)).exists():
                    entry.unlink(missing_ok=True)  # its object was deleted by hand
                continue
            checked, checked_bytes = checked + 1, checked_bytes + entry.stat().st_size
            cache.intact(entry, sources.get(entry.name.split(".", 1)[0]))
    return VerifyStats(checked, checked_bytes, tuple(cache.damaged), cache.stats.recorded)


@dataclass(frozen=True)
class GcStats:
    removed: int
    removed_bytes: int
    kept: int
    kept_bytes: int
    index_dropped: int


def gc(root: Path, keep_keys: Iterable[str]) -> GcStats:
    """Remove every object whose key is not in `keep_keys`, and index entries of gone files.

    Run it between builds: a build running at the same time may lose objects it just made.
    """
    keep = set(keep_keys)
    removed = removed_bytes = kept = kept_bytes = 0
    objects = root / "objects"
    for folder in sorted(objects.iterdir()) if objects.is_dir() else []:
        for entry in folder.iterdir() if folder.is_dir() else []:
            if entry.name.endswith(SUM):  # a record stays or goes with its object (same key)
                if entry.name.split(".", 1)[0] not in keep:
                    entry.unlink(missing_ok=True)
                continue
            size = entry.stat().st_size
            if entry.name.split(".", 1)[0] in keep:
                kept, kept_bytes = kept + 1, kept_bytes + size
            else:
                entry.unlink(missing_ok=True)
                removed, removed_bytes = removed + 1, removed_bytes + size
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    dropped = 0
    index_file = root / "index.json"
    try:
        data = json.loads(index_file.read_text())
        files = data.get("files", {})
        alive = {name: entry for name, entry in files.items() if os.path.exists(name)}
        dropped = len(files) - len(alive)
        if dropped:
            tmp = root / f"index.json.{secrets.token_hex(4)}.tmp"
            tmp.write_text(json.dumps({"version": INDEX_VERSION, "files": alive}, separators=(",", ":")))
            os.replace(tmp, index_file)
    except (OSError, ValueError, AttributeError):
        pass
    if (root / "tmp").is_dir():
        AudioCache.clean_stale_tmp(root / "tmp")
    return GcStats(removed, removed_bytes, kept, kept_bytes, dropped)


def cache_sources(catalog: Catalog, cache: AudioCache) -> dict[str, Path]:
    """Every media cache key `catalog` needs, with the file (or release folder) it is made from.

    Reads sources only to hash the ones the stat index does not know; runs no ffmpeg.
    """
    sources: dict[str, Path] = {}
    covers, artist_pics = catalog_pictures(catalog, cache, map, Problems(), render=False)
    pictures = [(r.cover, covers.get(r.slug)) for r in catalog.public_releases]
    pictures += [(a.image, artist_pics.get(a.slug)) for a in catalog.artists]
    for image, pic in pictures:
        if image is not None and pic is not None:
            sources.update(dict.fromkeys(pic.keys, image.source))
            sources[blurhash_key(pic)] = image.source
    tagged: dict[tuple[Path, Product], tuple[str, Path]] = {}
    for rp in plan_catalog(catalog):
        cover = covers.get(rp.release.slug)
        for tp in rp.tracks:
            try:
                source_hash = cache.source_hash(tp.track.source)
            except OSError:
                continue
            sources[analysis_key(source_hash)] = tp.track.source
            analysis = Analysis.from_json(cache.read_json(analysis_key(source_hash)))
            if analysis is not None and wants_preview(catalog, tp):
                fed = catalog.config.federation
                excerpt = cut(analysis.duration, fed.preview_start, fed.preview_length)
                sources[preview_key(source_hash, excerpt)] = tp.track.source
            tag_cover = cover.tag_cover_key if cover else None
            for p, (base, tag_key) in product_keys(tp, source_hash, tag_cover).items():
                sources[base] = sources[tag_key] = tp.track.source
                tagged[(tp.track.source, p)] = (tag_key, cache.path(tag_key, f".{p.format.ext}"))
        extras = release_extras(rp, cover, cache)
        plan = zip_plan(rp, lambda tp, p: tagged.get((tp.track.source, p)), extras)
        zips = (zip_key(fmt, members) for fmt, members in plan.items())
        sources.update(dict.fromkeys(zips, rp.release.source_dir))
    return sources


def _catalog(content: Catalog | Path) -> Catalog:
    if isinstance(content, Catalog):
        return content
    return scan(content)[0]


def cache_gc(content: Catalog | Path, cache_dir: Path) -> GcStats:
    """Remove every media cache object the catalog in `content` no longer needs."""
    catalog = _catalog(content)
    cache = AudioCache(cache_dir / "media")
    try:
        keep = cache_sources(catalog, cache)
    finally:
        cache.close()
    return gc(cache.root, keep)


def cache_verify(content: Catalog | Path | None, cache_dir: Path) -> VerifyStats:
    """Check every media cache object's size and hash; a damaged one is removed (the next build
    makes it again) and, given the catalog in `content`, named after the file it is made from."""
    cache = AudioCache(cache_dir / "media", verify=True)
    try:
        return verify(cache, cache_sources(_catalog(content), cache) if content is not None else {})
    finally:
        cache.close()
