"""What the site shows: pages, views, feeds, playlists, catalog.json, oEmbed, sitemap, search index.

It renders from the catalog (catalog/) and the media stage's result (media/), never the orchestration.
"""
