"""One build's job: the options it was given and the folders they name, resolved and checked.

Every step of a build is handed the job instead of a handful of folders and flags. Making one
checks where the build will write (folders.py) before anything is read: a CLI build, the
daemon's watcher session and its build worker all start here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.buildstate import Inputs, input_roots, read_inputs, state_file
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.folders import Folders, check_folders, default_data_dir
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.site.activitypub.inputs import file_digests
from tunecamp.generator.site.network import network_digests


@dataclass(frozen=True)
class Job:
    content_dir: Path
    out_dir: Path
    data_dir: Path
    cache_dir: Path
    private_dir: Path
    options: BuildOptions
    # False (the daemon): a build with errors writes nothing, so the site stays the last good one
    # until the next save fixes them (a first site is written anyway)
    publish_errors: bool = True

    @classmethod
    def of(
        cls, content_dir: Path, out_dir: Path, options: BuildOptions, *, publish_errors: bool = True
    ) -> Job:
        """The job of building `content_dir` into `out_dir`; raises `UnsafeFolders` when it may not."""
        content_dir, out_dir = content_dir.resolve(), out_dir.resolve()
        data_dir = (options.data_dir or default_data_dir(content_dir)).resolve()
        cache_dir = (options.cache_dir or data_dir / "cache").resolve()
        private_dir = (options.private_dir or data_dir / "private").resolve()
        stores = (cache_dir, private_dir, data_dir / "tunecamp.db")
        check_folders(Folders.of(content_dir, out_dir, data_dir, stores), force=options.force)
        return cls(content_dir, out_dir, data_dir, cache_dir, private_dir, options, publish_errors)

    @property
    def state_file(self) -> Path:
        return state_file(self.cache_dir, self.out_dir)

    @property
    def snapshot_file(self) -> Path:
        return self.state_file.with_suffix(".pickle")

    def inputs(self) -> Inputs:
        """What this build reads, digested: content/, the themes, our code and the options that shape output."""
        o = self.options
        extra = repr((o.transcode, o.extra_head, o.private_dir, self.cache_dir, o.serving_url))
        inputs = read_inputs(input_roots(self.content_dir), self.content_dir, extra=extra)
        return Inputs.of(inputs.rest, inputs.folders, self.data_inputs())

    def data_inputs(self) -> dict[str, str]:
        """The digests of the data folder's files a build shows (the daemon's exports), by name."""
        return file_digests(self.data_dir) | network_digests(self.data_dir)

    def data_path(self, name: str) -> Path:
        """A data file by the name `data_inputs` gives it."""
        return self.data_dir / name

    def tag_index(self) -> TagIndex:
        """The tags earlier builds read (none with --clean: every file is read again)."""
        path = self.cache_dir / "tags.pickle"
        return TagIndex(path) if self.options.clean else TagIndex.load(path)
