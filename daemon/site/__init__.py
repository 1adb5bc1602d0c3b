"""The site: building public/ from the daemon, following content/, and serving it.

- feature.py      setup(app): the watcher and live reload
- manager.py      BuildManager: one build at a time, coalesced follow-ups; builds_ctx
- runs.py         one build: its state and log, its `builds` row, the worker's events
- worker.py       the build worker process: `python -m tunecamp.daemon.site.worker`
- after_build.py  the catalog index and the handed-over refreshers, after each build
- watcher.py      content/ changes -> a build of what they reach
- livereload.py   open pages follow the rebuilds; failed builds show why
- public.py       public/ as the catch-all route
- schema.py       the `builds` table; this feature's migration set
- assets/         livereload.js
"""
