"""The site's URL scheme, in one place so every page, feed and playlist agrees.

Functions return site paths without a leading slash ("releases/x/"); `Urls` turns them
into links for a site served from the root or from a sub-path of `base_url`, and into
absolute URLs for feeds, playlists and cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from tunecamp.generator.catalog.model import Artist, Release, Track


def home() -> str:
    return ""


def artist(a: Artist) -> str:
    return f"artists/{a.slug}/"


def release(r: Release) -> str:
    return f"releases/{r.slug}/"


def track(r: Release, t: Track) -> str:
    return f"releases/{r.slug}/{t.slug}/"


def tag(tag_slug: str) -> str:
    return f"tags/{tag_slug}/"


def track_audio(r: Release, t: Track) -> str:
    """The source itself, as `--no-transcode` streams it (media/plain.py)."""
    return f"audio/{r.slug}/{t.slug}{PurePosixPath(t.source.name).suffix.lower()}"


def track_stream(r: Release, t: Track, ext: str) -> str:
    """A transcoded (or passed-through) stream of the track: audio/<release>/<track>.opus."""
    return f"audio/{r.slug}/{t.slug}.{ext}"


def track_download(r: Release, t: Track, fmt: str, ext: str) -> str:
    """A download file; the same path inside the private store for codes/paid downloads."""
    return f"downloads/{r.slug}/{fmt}/{t.slug}.{ext}"


def release_zip(r: Release, fmt: str) -> str:
    return f"downloads/{r.slug}/{r.slug}-{fmt}.zip"


def release_cover(r: Release, width: int | None, ext: str) -> str:
    """A cover variant (cover-640.jpg), or the original (cover.png) when width is None."""
    return f"releases/{r.slug}/cover{f'-{width}' if width else ''}.{ext}"


def artist_picture(a: Artist, width: int | None, ext: str) -> str:
    return f"artists/{a.slug}/image{f'-{width}' if width else ''}.{ext}"


def release_embed(r: Release) -> str:
    return f"embed/{r.slug}/"


def track_embed(r: Release, t: Track) -> str:
    return f"embed/{r.slug}/{t.slug}/"


def release_oembed(r: Release) -> str:
    return f"oembed/{r.slug}.json"


def track_oembed(r: Release, t: Track) -> str:
    return f"oembed/{r.slug}/{t.slug}.json"


def release_playlist(r: Release) -> str:
    return f"releases/{r.slug}/playlist.m3u8"


def artist_playlist(a: Artist) -> str:
    return f"artists/{a.slug}/playlist.m3u8"


def release_media_rss(r: Release) -> str:
    return f"releases/{r.slug}/media.rss"


def artist_feed(a: Artist, kind: str) -> str:
    return f"artists/{a.slug}/feed.{kind}"


def site_feed(kind: str) -> str:
    """The whole catalog's feed: kind is "rss" or "atom"."""
    return f"feed.{kind}"


def podcast_feed() -> str:
    return "podcast.rss"


def catalog_playlist() -> str:
    return "catalog.m3u8"


def catalog_json() -> str:
    return "catalog.json"


def catalog_schema() -> str:
    return "catalog.schema.json"


def sitemap() -> str:
    return "sitemap.xml"


def robots() -> str:
    return "robots.txt"


def tags_index() -> str:
    return "tags/"


def search() -> str:
    return "search/"


def search_index() -> str:
    """The client-side search index the search page loads."""
    return "search.json"


def not_found() -> str:
    return "404.html"


def theme_asset(name: str) -> str:
    """A theme's static file, by its fingerprinted name ("style.1a2b3c4d5e.css")."""
    return f"static/{name}"


def release_unlock(r: Release) -> str:
    """The daemon endpoint that takes a download code for a release (POST, form field `code`)."""
    return f"api/releases/{r.slug}/unlock"


def release_checkout(r: Release) -> str:
    """The daemon endpoint that starts a purchase of a paid release."""
    return f"api/releases/{r.slug}/checkout"


def track_preview(r: Release, t: Track) -> str:
    """The excerpt a paid or code-locked track is federated with, never the full track."""
    return f"audio/{r.slug}/{t.slug}.preview.mp3"


# -- ActivityPub documents (site/activitypub/); the daemon serves the dynamic half ---------------


def ap_artist(a: Artist) -> str:
    return f"ap/artists/{a.slug}.json"


def ap_artist_outbox(a: Artist, page: int | None = None) -> str:
    return f"ap/artists/{a.slug}/outbox.json" if page is None else f"ap/artists/{a.slug}/outbox/{page}.json"


def ap_artist_featured(a: Artist) -> str:
    return f"ap/artists/{a.slug}/featured.json"


def ap_label() -> str:
    return "ap/label.json"


def ap_label_outbox(page: int | None = None) -> str:
    return "ap/label/outbox.json" if page is None else f"ap/label/outbox/{page}.json"


def ap_instance() -> str:
    return "ap/instance.json"


def ap_instance_outbox() -> str:
    return "ap/instance/outbox.json"


def ap_note(r: Release) -> str:
    return f"ap/releases/{r.slug}/note.json"


def ap_create(r: Release) -> str:
    return f"ap/releases/{r.slug}/create.json"


def ap_announce(r: Release) -> str:
    return f"ap/releases/{r.slug}/announce.json"


def ap_track(r: Release, t: Track) -> str:
    return f"ap/releases/{r.slug}/tracks/{t.slug}.json"


def ap_manifest() -> str:
    return "ap/manifest.json"


def page_file(path: str) -> str:
    """The output file behind a page path: 'releases/x/' -> 'releases/x/index.html'."""
    return path + "index.html" if path.endswith("/") or path == "" else path


@dataclass(frozen=True)
class Urls:
    base_url: str  # e.g. https://music.example.org or https://example.org/music

    @property
    def base_path(self) -> str:
        """'/music/' for a site under a sub-path, '/' at the root."""
        path = urlsplit(self.base_url).path.rstrip("/")
        return f"{path}/"

    def link(self, path: str) -> str:
        """A root-relative link to a site path, percent-encoded."""
        return self.base_path + quote(path)

    def absolute(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + quote(path)
