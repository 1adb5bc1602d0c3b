"""A site build in its own process: `python -m tunecamp.daemon.site.worker`.

The daemon runs this as a subprocess so a build never blocks (or crashes) the event loop,
and reads its progress from stdout, one JSON event per line. It builds as `tunecamp build`
does, resuming from the last build's snapshot, and writes nothing when the build has errors,
so a failed build leaves the published site exactly as it was. The catalog index, and the rows of
each `--after-build` refresher, are refreshed from the same scan (after_build.py). What the daemon
imports to start it (its command line, whether public/ is stale) is in builds.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunecamp.daemon.builds import STATE_FILE, build_options, content_fingerprint, read_state
from tunecamp.daemon.site.after_build import load_refresher, refresh_index

if TYPE_CHECKING:
    from tunecamp.generator.options import BuildOptions


class Events:
    def __init__(self, fmt: str) -> None:
        self.fmt = fmt

    def emit(self, event: str, **fields: Any) -> None:
        if self.fmt == "json":
            print(json.dumps({"event": event, **fields}, default=str), flush=True)
        elif event == "log":
            print(fields["message"], flush=True)
        elif event == "problem":
            print(
                f"{fields['level']}: {fields['path']}"
                + (f" [{fields['key']}]" if fields.get("key") else "")
                + f": {fields['message']}",
                flush=True,
            )


def _options(args: argparse.Namespace) -> BuildOptions:
    return build_options(args.data, transcode=not args.no_transcode, serving_url=args.serving_url)


# Every page of a preview says it is not public: a banner the page's own script cannot hide.
DRAFT_BANNER = (
    "<style>body::before{content:'Draft \\2014  not public: a preview only you and the other editors see';"
    "display:block;position:sticky;top:0;z-index:1000;padding:.5rem 1rem;text-align:center;"
    "font:600 .95rem/1.4 system-ui,sans-serif;background:#7a4b00;color:#fff}</style>"
)


def preview(args: argparse.Namespace, events: Events) -> int:
    """Build one release, whatever its status, into a site of its own under `--base-url`."""
    import tempfile

    import yaml

    from tunecamp.generator.build import build
    from tunecamp.generator.catalog.publish import find_release_folder, set_status
    from tunecamp.generator.output import copy_file, link_or_copy

    content, out = args.content.resolve(), args.public.resolve()
    folder = find_release_folder(content, args.preview)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".preview-", dir=out.parent) as tmp:
        work = Path(tmp) / "content"
        (work / "releases").mkdir(parents=True)
        catalog_yaml = content / "catalog.yaml"
        data = yaml.safe_load(catalog_yaml.read_text(encoding="utf-8")) if catalog_yaml.is_file() else {}
        data = data if isinstance(data, dict) else {}
        data["base_url"] = args.base_url
        (work / "catalog.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

        def link(source: str, target: str) -> None:
            link_or_copy(Path(source), Path(target))

        if (content / "artists").is_dir():
            shutil.copytree(content / "artists", work / "artists", copy_function=link)
        shutil.copytree(folder, work / "releases" / folder.name, copy_function=link)
        meta = work / "releases" / folder.name / "release.yaml"
        if meta.exists():  # a copy, not the hard link: the status is written in place, never into content/
            meta.unlink()
            copy_file(folder / "release.yaml", meta)
        set_status(work, args.preview, "unlisted")
        options = dataclasses.replace(_options(args), transcode=False, extra_head=DRAFT_BANNER)
        report = build(work, out, options)
    for p in report.problems.items:
        events.emit("problem", level=p.level, path=str(p.path), key=p.key, message=p.message)
    events.emit("done", ok=True, published=True)
    return 0


def run(args: argparse.Namespace, events: Events) -> int:
    content, public, data = args.content.resolve(), args.public.resolve(), args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    after_build = [load_refresher(name) for name in args.after_build]  # a wrong name fails before the build
    fingerprint = content_fingerprint(content)  # before: an edit during the build makes the next one run
    started = time.perf_counter()
    if args.if_changed and public.is_dir() and read_state(data).get("fingerprint") == fingerprint:
        events.emit("log", message="content unchanged since the last published build: nothing to do")
        events.emit("done", ok=True, published=False, skipped=True)
        return 0
    from tunecamp.generator.catalog.scan import scan

    if args.index_only:
        events.emit("log", message=f"scanning {content}")
        catalog, problems = scan(content)
        ok, published = not problems.errors, False
    else:
        from tunecamp.generator.session import BuildSession

        events.emit("log", message=f"building {content} into {public}")
        # Resumes from the last build's snapshot as `tunecamp build` does: only the release folders
        # that changed are rebuilt. A build with errors writes nothing (publish_errors=False), so
        # the published site stays as it was; a first site with problems beats no site.
        session = BuildSession(content, public, _options(args), publish_errors=False)
        try:
            # `tunecamp build` or the daemon's own session building into public/: wait for it (buildlock.py)
            report = session.build(on_locked=lambda held: events.emit("log", message=f"{held}; waiting"))
        finally:
            session.close()
        problems, ok = report.problems, report.ok
        if report.stats is not None:
            written = report.stats.written + report.stats.linked
            events.emit("log", message=f"{written} files written, {report.stats.unchanged} unchanged")
        catalog = report.catalog or scan(content)[0]  # skipped: nothing changed, but the index needs it
        published = report.skipped or report.stats is not None
    for p in problems.items:
        events.emit("problem", level=p.level, path=str(p.path), key=p.key, message=p.message)
    stats = refresh_index(data, catalog, after_build)
    if published:
        (data / STATE_FILE).write_text(json.dumps({"fingerprint": fingerprint, "finished_at": time.time()}))
    releases = sum(1 for r in catalog.releases if r.is_public)
    drafts = sum(1 for r in catalog.releases if r.status == "draft")
    verb = "indexed" if args.index_only else ("published" if published else "NOT published (errors)")
    events.emit(
        "log",
        message=f"{verb}: {releases} releases, {drafts} drafts, "
        f"{len(problems.errors)} errors, {len(problems.warnings)} warnings "
        f"in {time.perf_counter() - started:.1f} s",
    )
    events.emit("done", ok=ok, published=published, index=stats.as_json())
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tunecamp.daemon.site.worker")
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--public", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--no-transcode", action="store_true")
    parser.add_argument("--index-only", action="store_true")
    parser.add_argument(
        "--after-build",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="refresh these rows too after the catalog index (repeatable)",
    )
    parser.add_argument("--if-changed", action="store_true", help="skip when content/ is as last published")
    parser.add_argument("--preview", metavar="SLUG", help="build only this release, into --public")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the preview's base URL")
    parser.add_argument("--serving-url", default=None, help="stands in for init's placeholder base_url")
    parser.add_argument("--format", choices=("json", "text"), default="json")
    args = parser.parse_args(argv)
    from tunecamp.daemon.error_reporting import init_sentry

    init_sentry(os.environ.get("SENTRY_DSN"), component="build")
    events = Events(args.format)
    from tunecamp.generator.folders import UnsafeFolders

    try:
        return preview(args, events) if args.preview else run(args, events)
    except UnsafeFolders as exc:  # the folders are misconfigured: say so, no traceback to send
        events.emit("log", message=str(exc))
        events.emit("done", ok=False, published=False, error=str(exc))
        return 2
    except Exception as exc:
        import sentry_sdk

        sentry_sdk.capture_exception()
        sentry_sdk.flush(5)
        events.emit("log", message=traceback.format_exc())
        events.emit("done", ok=False, published=False, error=f"{type(exc).__name__}: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
