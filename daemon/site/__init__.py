"""The site: building public/ from the daemon, following content/, and serving it.

- feature.py      setup(app): the watcher and live reload
- manager.py      BuildManager: requests booked as rows, one build at a time; builds_ctx
- rebuild_job.py  the "site.rebuild" job kind: a booked row, built wherever jobs run
- build_rows.py   the `builds` rows as the instance's build queue (book, claim, heartbeat, read)
- following.py    what the dashboard and the API see of builds, run here or elsewhere
- runs.py         one build as its process follows it: state, log, the worker's events
- worker_process.py  a full build in the worker process, its events read as they come
- watch_session.py   the watcher's builds: the generator's BuildSession, kept in this process
- worker.py       the build worker process: `python -m tunecamp.daemon.site.worker`
- after_build.py  the catalog index and the handed-over refreshers, after each build
- watcher.py      content/ changes -> a build of what they reach
- livereload.py   open pages follow the rebuilds; failed builds show why
- public.py       public/ as the catch-all route
- schema.py       the `builds` table; this feature's migration set
- assets/         livereload.js
"""
