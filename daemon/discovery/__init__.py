"""Discovery: TuneCamp instances find each other by gossip over HTTP (docs/discovery.md).

feature.py     setup(app): routes, templates, the service and its background crawl
schema.py      the `tunecamp.discovery` migration set: instances (and their artists), seeds, blocks, crawls
limits.py      the crawl's bounds (depth, instances, in flight, timeout, sizes, backoff) and settings
protocol.py    NodeInfo, /api/community/instance and /peers, read defensively
catalogs.py    a peer's catalog (our catalog.json, a Node server's /api/catalog) → latest releases
fetch.py       every request through the guarded outbound client, per host and overall
crawler.py     one crawl, breadth first, level by level
store.py       the tables: what a crawl found, what the pages show
service.py     one crawl at a time, its record, the export, the schedule
crawl_job.py   a crawl as the background job "discovery.crawl": queued, deduplicated, retried
export.py      /api/community/sites and data/network.json for the site's /network/ page
endpoints.py   GET /api/community/instance, /peers, /sites
dashboard.py   /admin/discovery: instances, seeds, blocks, the background crawl
follows.py     its "Follow artists": an instance's artists handed to federation (appkeys.FOLLOWS)
commands.py    `tunecamp discover`: one crawl now, with a progress bar
"""
