"""What the end of one attempt means, the same rule for both backends.

A handler that returns is done. `Fail`, or a failure once `policy.retries` attempts have failed or
`policy.give_up_after` seconds have passed since the job was queued, is final: the job is dead.
Anything else (`Retry`, a timeout, any exception) is tried again after `Retry.delay` when given,
else after the policy's backoff for that many failed attempts.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunecamp.daemon.jobs import Fail, Job, Policy, Retry

MAX_ERROR = 2000  # characters of an error kept for the dashboard


@dataclass(frozen=True)
class Outcome:
    state: str  # "done", "retry" or "dead"
    error: str = ""
    delay: float = 0.0  # before the next attempt, when state is "retry"


DONE = Outcome("done")


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, (Retry, Fail)):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR]


def traceback_of(exc: BaseException) -> BaseException | None:
    """The exception to log with its traceback: a bug's, not a `Retry`, `Fail` or timeout's."""
    return None if isinstance(exc, (Retry, Fail, TimeoutError)) else exc


def judge(policy: Policy, job: Job, exc: BaseException, now: float) -> Outcome:
    """The outcome of an attempt of `job` (made after `job.attempts` failed ones) that raised `exc`."""
    error = describe(exc)
    failed = job.attempts + 1
    if isinstance(exc, Fail) or failed >= policy.retries:
        return Outcome("dead", error)
    if policy.give_up_after is not None and now - job.enqueued_at >= policy.give_up_after:
        return Outcome("dead", f"{error} (gave up after {policy.give_up_after:g} s)")
    delay = exc.delay if isinstance(exc, Retry) and exc.delay is not None else policy.delay(failed)
    return Outcome("retry", error, max(0.0, delay))
