"""The background-jobs engine: the two backends of `daemon/jobs.py` and what runs them.

- schema.py           the `tunecamp.jobqueue` migration set: the jobs and job_workers tables
- outcome.py          what a handler's end means (done, retry after a delay, dead), for both backends
- sqlite_store.py     the SQLite backend's SQL (enqueue, claim, settle, sweep, counts)
- sqlite_backend.py   the SQLite backend (`SqliteJobs`) and its consumer loop
- redis_backend.py    the Redis backend on SAQ (`RedisJobs`): one SAQ queue per kind, its sweep
- redis_consumer.py   the SAQ workers of a process, and the wrapper that runs a handler
- redis_records.py    the Redis backend's own records: dead letters, retrying jobs, done counts, workers
- consumers.py        which consumers a process runs (serve or worker), started after the app's resources
- dashboard.py        /admin/jobs and /api/admin/jobs
- worker.py           `tunecamp worker`'s process: the app started without HTTP, stopped on a signal
- commands.py         `tunecamp worker` (the click command)
- feature.py          setup(app)
"""
