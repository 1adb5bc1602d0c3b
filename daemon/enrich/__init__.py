"""Enrichment: missing metadata from the public music databases (docs/enrichment.md).

feature.py     setup(app): the Enrich pages and the daemon's one Enricher
schema.py      the `tunecamp.enrich` migration set: the answer cache, runs, last diffs, pending look-ups
settings.py    the provider URLs, pacing, cache and image limits (from daemon/config.py)
pacer.py       the shared async limiter: MusicBrainz's 1 request/s per process, or per instance on Redis
fetch.py       every request through the guarded outbound client: cached, retried politely, counted
model.py       what is read (ReleaseQuery), found (Finding) and proposed (Proposal, Diff)
catalog.py     the releases to enrich, read by the generator's reader
scorer.py      how well a candidate matches: titles, artists, track counts, durations
musicbrainz.py MusicBrainz WS/2: by MBID or searched, then looked up
coverart.py    the Cover Art Archive: the front cover at full size
discogs.py     Discogs: credits, labels, catalogue numbers, composers
itunes.py      the iTunes Search API: artwork when no other source has it
lyrics.py      LRCLIB (synced and plain) and Lyrics.ovh (plain)
engine.py      one release looked up: MusicBrainz first, the rest at once, failures recorded
diff.py        findings to proposals: the surest source per field, the artist's values marked
applier.py     accepted proposals written: release.yaml (text kept), cover, .lrc/.txt
store.py       the tables: runs, last diffs, the dashboard's pending look-ups
service.py     a run (command or dashboard), recorded; applying
commands.py    `tunecamp enrich`: progress bar, tables, summary, --apply
lookup_job.py  the dashboard's look-up as the background job "enrich.lookup": queued, retried, dead
dashboard.py   /admin/enrich: the runs; /admin/enrich/{slug}: the diff as a form
"""
