"""Live broadcasts: an artist goes live from the dashboard, listeners play one shared HLS encoding.

- feature.py: `setup(app)`: the hub in a cleanup context, the routes, the templates;
- schema.py: the migration set `tunecamp.live` (one row per broadcast);
- settings.py: the limits, read once from the config, and the listener count;
- hub.py: every running session, the limits between them, start and end (note, draft, cleanup);
- shared.py: with Redis, the sessions of every process (status, playlist, segments, listener counts);
- session.py: one broadcast: its encoder, playlist, listeners, chunk limit and recording;
- encoder.py: the session's ffmpeg (webm/opus in, 2 s AAC segments out), restarted when it dies;
- playlist.py: the rolling HLS playlist, written by us so a restart continues it with a discontinuity;
- recording.py: a kept recording becomes a draft release folder in the catalog;
- api.py: start, chunks and end; the status JSON, the playlist and the segments listeners fetch;
- pages.py: the broadcaster's page (/admin/live, assets/broadcast.js), the listener's page, their scripts.
"""
