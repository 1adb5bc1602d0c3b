"""The rolling playlist: six segments, old ones retired then dropped, discontinuities counted as they scroll out."""

from __future__ import annotations

from tunecamp.daemon.live.playlist import KEPT_AFTER, Playlist, Segment


def seg(name: str, discontinuity: bool = False, duration: float = 2.005) -> Segment:
    return Segment(name, duration, b"ts", discontinuity)


def test_the_list_rolls_and_counts_what_left_it() -> None:
    playlist = Playlist()
    gone = []
    for n in range(8):
        gone += playlist.add(seg(f"g1-{n:05d}.ts"))
    gone += playlist.add(seg("g2-00000.ts", discontinuity=True))
    for n in range(1, 10):
        gone += playlist.add(seg(f"g2-{n:05d}.ts"))
    text = playlist.render()
    assert "#EXT-X-MEDIA-SEQUENCE:12" in text  # 18 segments, the last 6 listed
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1" in text and "#EXT-X-DISCONTINUITY\n" not in text
    assert [s.name for s in playlist.segments] == [f"g2-{n:05d}.ts" for n in range(4, 10)]
    assert len(playlist.retired) == KEPT_AFTER and playlist.find("g2-00000.ts") is not None
    assert [s.name for s in gone] == [f"g1-{n:05d}.ts" for n in range(8)]  # deleted from disk
    assert playlist.find("g1-00007.ts") is None


def test_a_discontinuity_in_the_list_is_marked_and_the_end_is_written() -> None:
    playlist = Playlist()
    playlist.add(seg("g1-00000.ts"))
    playlist.add(seg("g2-00000.ts", discontinuity=True, duration=2.6))
    before = playlist.render()
    assert before.splitlines()[-3:] == ["#EXT-X-DISCONTINUITY", "#EXTINF:2.600,", "g2-00000.ts"]
    assert "#EXT-X-TARGETDURATION:3" in before  # round(2.6): a target never below a segment
    playlist.end()
    assert playlist.render() == before + "#EXT-X-ENDLIST\n"
