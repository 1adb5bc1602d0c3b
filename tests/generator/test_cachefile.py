from __future__ import annotations

from pathlib import Path

from tunecamp.generator.cachefile import load_pickle, save_pickle


def test_what_is_saved_is_loaded_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "cache/x.pickle"
    save_pickle(path, 3, {"a": (1, 2)})
    assert load_pickle(path, 3) == {"a": (1, 2)}
    assert load_pickle(path, 4) is None  # another format: as if absent
    assert [p.name for p in path.parent.iterdir()] == ["x.pickle"]  # no temporary file left


def test_a_missing_or_broken_file_is_absent(tmp_path: Path) -> None:
    assert load_pickle(tmp_path / "nothing.pickle", 1) is None
    broken = tmp_path / "broken.pickle"
    broken.write_bytes(b"\x80\x05not a pickle")
    assert load_pickle(broken, 1) is None
    broken.write_bytes(b"")
    assert load_pickle(broken, 1) is None
