"""ManifestFile: the parsed public/ap/manifest.json, a new object only when the file changed.

The federation's watcher compares the manifest it saw last by identity: a new object for an
unchanged state made it make (and re-read) every actor's key every few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

from tunecamp.daemon.federation.manifest import MANIFEST, ManifestFile

from .conftest import manifest


def test_a_missing_manifest_stays_the_same_object(tmp_path: Path) -> None:
    file = ManifestFile(tmp_path, recheck=0)
    first = file.get()
    assert list(first.actors) == []
    assert file.get() is first and file.get() is first


def test_a_new_object_when_the_file_appears_changes_or_goes(tmp_path: Path) -> None:
    file = ManifestFile(tmp_path, recheck=0)
    missing = file.get()
    path = tmp_path / MANIFEST
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(manifest()))
    written = file.get()
    assert written is not missing and [a.username for a in written.actors]
    assert file.get() is written  # unchanged file: the same object

    path.unlink()
    gone = file.get()
    assert gone is not written and list(gone.actors) == []
    assert file.get() is gone
