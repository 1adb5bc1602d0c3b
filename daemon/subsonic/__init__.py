"""The Subsonic/OpenSubsonic API under /rest, and the credentials music apps sign in with.

- feature.py       setup(app): the feature's state, /rest, the credentials' API and pages, share pages
- dispatch.py      one /rest request: parameters, format, caller, errors always as Subsonic answers
- endpoints.py     every endpoint's name and handler; the spec's full list
- call.py          Call (one request's parameters, caller, state) and the feature's state
- auth.py          u+p, u+t+s or apiKey -> the caller, rate-limited
- credentials.py   app passwords (sealed with the instance secret) and API keys, in SQL
- account_api.py   /api/subsonic and /api/admin/users/{id}/subsonic-...: managing credentials
- account_pages.py /admin/subsonic and /admin/users/{id}/subsonic: the same as pages
- commands.py      `tunecamp user subsonic-password` and `tunecamp user api-key`
- render.py        answers as XML, JSON or JSONP; error codes
- elements.py      the answer tree written as XML or JSON; songs, albums, artists written once a snapshot
- ids.py, items.py  Subsonic IDs; songs, albums and artists as Subsonic elements
- library.py       the catalog as apps see it: an in-memory snapshot of the catalog index
- library_cache.py the snapshot read from the index and reloaded when a rebuild committed
- search_index.py  which songs, albums and artists hold a word: built once per snapshot
- site_info.py     what the last build published (public/catalog.json): page URLs, ReplayGain, the podcast
- artist_images.py the artists' pictures on the static site (artistImageUrl), set on each snapshot
- listening.py     each user's state in SQL: stars, ratings, plays, playlists, bookmarks, play queue
- media_rows.py    the catalog's extra rows the API needs, refreshed after each build
- endpoint modules, side by side: system.py, browse.py, lyrics.py, lists.py, search.py, media.py
  (stream), transcoding.py (getTranscodeDecision/Stream), download.py, covers.py, annotation.py
  (star, rating, scrobble), playback.py (reportPlayback), playlists.py, bookmarks.py (and the play
  queue), shares.py, podcasts.py, radio.py (the live broadcasts)
- what several endpoints share: lookup.py (an ID's item), sources.py (a song's file),
  now_playing.py (and the listen reportPlayback follows), slots.py (transcode caps), streamed_zip.py,
  transcode_params.py (the sealed transcodeParams)
- share_page.py    /share/{token}: a share's page and its songs, for whoever has the link
- schema.py        the feature's tables; its migration set
- templates/       apps.html, share.html (rendered as "subsonic/<name>")
"""
