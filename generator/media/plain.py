"""Media without transcoding (`--no-transcode`, quick previews): web-playable sources as they are.

Nothing is decoded or measured: streams are the sources themselves, covers and artist pictures
are linked at their one size, and a release without a cover gets the generated one.
"""

from __future__ import annotations

from pathlib import Path

from tunecamp.generator.catalog import urls
from tunecamp.generator.catalog.model import Catalog, Image
from tunecamp.generator.media.cover import generated_cover
from tunecamp.generator.media.model import ImageSet, ImageVariant, Media, Stream, TrackMedia
from tunecamp.generator.output import Output

IMAGE_MIME = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


def plain_media(catalog: Catalog) -> Media:
    """Media without transcoding: web-playable sources are linked as they are."""
    tracks: dict[Path, TrackMedia] = {}
    covers: dict[str, ImageSet] = {}
    artist_images: dict[str, ImageSet] = {}
    outputs: list[Output] = []
    for release in catalog.public_releases:
        for track in release.tracks:
            streams: tuple[Stream, ...] = ()
            if track.audio.web_playable:
                path = urls.track_audio(release, track)
                streams = (
                    Stream(path, track.audio.mime, track.audio.size, track.audio.codec, track.audio.bitrate),
                )
                outputs.append(Output(path, source=track.source))
            tracks[track.source] = TrackMedia(track.duration, streams)
        if release.cover and not release.cover.embedded_in:
            ext = release.cover.source.suffix.lower()
            covers[release.slug], out = _image_set(release.cover, f"{urls.release(release)}cover{ext}")
            outputs.append(out)
        else:
            covers[release.slug], out = generated_cover(release)
            outputs.append(out)
    for artist in catalog.artists:
        if artist.image:
            ext = artist.image.source.suffix.lower()
            artist_images[artist.slug], out = _image_set(artist.image, f"{urls.artist(artist)}image{ext}")
            outputs.append(out)
    return Media(tracks, covers, artist_images, outputs=tuple(outputs))


def _image_set(image: Image, site_path: str) -> tuple[ImageSet, Output]:
    mime = IMAGE_MIME.get(image.source.suffix.lower(), "application/octet-stream")
    variant = ImageVariant(site_path, None, None, mime)
    return ImageSet((variant,), image.description, variant), Output(site_path, source=image.source)
