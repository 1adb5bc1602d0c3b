from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tunecamp.generator.media.cache import AudioCache, Damage, Interrupted, key
from tunecamp.generator.media.cachemaint import gc


def test_keys_are_stable_and_depend_on_every_part() -> None:
    assert key("encode", "abc", ["-q:a", "5"]) == key("encode", "abc", ["-q:a", "5"])
    assert key("encode", "abc", ["-q:a", "5"]) != key("encode", "abc", ["-q:a", "7"])
    assert key({"b": 1, "a": 2}) == key({"a": 2, "b": 1})
    assert len(key("x")) == 32


def test_unchanged_files_are_not_hashed_again_even_by_a_new_build(tmp_path: Path) -> None:
    song = tmp_path / "song.flac"
    song.write_bytes(b"fLaC" + os.urandom(5000))
    first = AudioCache(tmp_path / "cache")
    digest = first.source_hash(song)
    assert first.source_hash(song) == digest and first.stats.hashed == 1
    first.close()
    second = AudioCache(tmp_path / "cache")
    assert second.source_hash(song) == digest and second.stats.hashed == 0
    second.close()


def test_a_changed_file_is_hashed_again(tmp_path: Path) -> None:
    song = tmp_path / "song.flac"
    song.write_bytes(b"one")
    cache = AudioCache(tmp_path / "cache")
    before = cache.source_hash(song)
    song.write_bytes(b"two")
    os.utime(song, ns=(1, 1))
    assert cache.source_hash(song) != before and cache.stats.hashed == 2


def test_a_renamed_file_keeps_its_hash(tmp_path: Path) -> None:
    song = tmp_path / "song.flac"
    song.write_bytes(os.urandom(3000))
    cache = AudioCache(tmp_path / "cache")
    digest = cache.source_hash(song)
    moved = tmp_path / "elsewhere" / "renamed.flac"
    moved.parent.mkdir()
    song.rename(moved)
    assert cache.source_hash(moved) == digest


def test_hashing_stops_when_asked(tmp_path: Path) -> None:
    song = tmp_path / "big.wav"
    song.write_bytes(os.urandom(3 << 20))
    with pytest.raises(Interrupted):
        AudioCache(tmp_path / "cache").source_hash(song, stopped=lambda: True)


def test_objects_appear_whole_or_not_at_all(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    tmp = cache.temp_path(".opus")
    tmp.write_bytes(b"half")
    assert not cache.has("k" * 32, ".opus")  # written, not committed: not in the cache
    path = cache.commit(tmp, "k" * 32, ".opus")
    assert cache.has("k" * 32, ".opus") and path.read_bytes() == b"half" and not tmp.exists()
    cache.put_json("j" * 32, {"a": 1})
    assert cache.read_json("j" * 32) == {"a": 1}
    cache.path("b" * 32, ".json").parent.mkdir(parents=True, exist_ok=True)
    cache.path("b" * 32, ".json").write_text("{trunc")
    assert cache.read_json("b" * 32) is None


def test_a_damaged_index_only_costs_rehashing(tmp_path: Path) -> None:
    song = tmp_path / "song.flac"
    song.write_bytes(b"x")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache/index.json").write_text('{"version": 1, "files": {"' + str(song) + '": [1, 2')
    cache = AudioCache(tmp_path / "cache")
    cache.source_hash(song)
    cache.close()
    assert json.loads((tmp_path / "cache/index.json").read_text())["files"][str(song)][0] == 1


def test_temp_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    root = tmp_path / "cache"
    (root / "tmp" / f"{dead.stdout.strip()}-abcd").mkdir(parents=True)
    (root / "tmp" / f"{dead.stdout.strip()}-abcd" / "half.flac").write_bytes(b"half")
    live = root / "tmp" / f"{os.getppid()}-beef"
    live.mkdir()
    cache = AudioCache(root)
    assert sorted(p.name for p in (root / "tmp").iterdir()) == sorted([live.name, cache.tmp.name])
    cache.close()
    assert not cache.tmp.exists()


def test_gc_keeps_only_what_is_asked_for(tmp_path: Path) -> None:
    song = tmp_path / "song.flac"
    song.write_bytes(b"x")
    cache = AudioCache(tmp_path / "cache")
    cache.source_hash(song)
    keep, drop = key("keep"), key("drop")
    cache.put_bytes(keep, ".mp3", b"kept")
    cache.put_bytes(drop, ".mp3", b"dropped!")
    cache.close()
    song.unlink()
    stats = gc(tmp_path / "cache", {keep})
    assert (stats.removed, stats.removed_bytes, stats.kept, stats.index_dropped) == (1, 8, 1, 1)
    assert cache.path(keep, ".mp3").is_file() and not cache.path(drop, ".mp3").exists()
    assert json.loads((tmp_path / "cache/index.json").read_text())["files"] == {}


def test_an_object_is_checked_against_the_record_made_with_it(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    k, song = key("song"), tmp_path / "song.flac"
    obj = cache.put_bytes(k, ".mp3", b"x" * 1000)
    assert cache.has(k, ".mp3", song)
    os.truncate(obj, 600)
    assert not cache.has(k, ".mp3", song)
    assert cache.damaged == [Damage(obj, "600 bytes instead of 1000", song)]
    assert not obj.exists() and not obj.with_name(obj.name + ".sum").exists()  # so it is made again
    cache.close()


def test_a_changed_byte_is_found_by_its_hash_when_verifying(tmp_path: Path) -> None:
    first = AudioCache(tmp_path / "cache")
    obj = first.put_bytes(key("song"), ".mp3", b"x" * 1000)
    first.close()
    obj.write_bytes(b"y" + b"x" * 999)
    quick = AudioCache(tmp_path / "cache")
    assert quick.has(key("song"), ".mp3")  # the size alone cannot tell
    quick.close()
    thorough = AudioCache(tmp_path / "cache", verify=True)
    assert not thorough.has(key("song"), ".mp3")
    assert [d.reason for d in thorough.damaged] == ["its bytes are not the ones it was made with"]
    thorough.close()


def test_an_object_made_before_records_is_recorded_once_then_checked(tmp_path: Path) -> None:
    first = AudioCache(tmp_path / "cache")
    obj = first.put_bytes(key("song"), ".mp3", b"x" * 1000)
    first.close()
    obj.with_name(obj.name + ".sum").unlink()
    cache = AudioCache(tmp_path / "cache")
    assert cache.has(key("song"), ".mp3") and cache.stats.recorded == 1
    assert obj.with_name(obj.name + ".sum").read_text().split()[0] == "1000"
    os.truncate(obj, 10)
    assert not cache.has(key("song"), ".mp3") and cache.stats.recorded == 1
    cache.close()


def test_gc_removes_a_record_with_its_object(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    drop = cache.put_bytes(key("drop"), ".mp3", b"dropped")
    cache.close()
    assert drop.with_name(drop.name + ".sum").is_file()
    assert gc(tmp_path / "cache", set()).removed == 1
    assert list((tmp_path / "cache/objects").rglob("*")) == []
