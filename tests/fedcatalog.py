"""A small federating catalog with real audio, for the ActivityPub tests of the generator and daemon.

ana       an artist with links; "free-one" (five 1-second tracks, genres), "paid-one" (one
          65-second track, downloads paid: federated as a preview), "hidden-one" (unlisted)
bo        an artist known from a release only: "bo-draft" (a draft)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from tunecamp.generator.media.ffmpeg import ffmpeg_path

BASE = "https://music.example.org"
DAEMON = "https://fed.example.org"
PAID_SECONDS = 65.0

CATALOG = f"""title: Fed Records
base_url: {BASE}
daemon_url: {DAEMON}
label: true
license: CC-BY-4.0
"""

FILES = {
    "artists/ana/artist.yaml": "name: Ana\nlinks:\n  - label: Home\n    url: https://ana.example.net\n",
    "artists/ana/bio.md": "Ana plays *slow* things.\n",
    "releases/free-one/release.yaml": (
        "status: published\ntitle: Free One\nartist: ana\ndate: 2025-05-01\n"
        "genres: [Indie Pop, drone]\ndownload: free\ncover: cover.jpg\ncover_description: A red square\n"
    ),
    "releases/paid-one/release.yaml": (
        "status: published\ntitle: Paid One\nartist: ana\ndate: 2025-06-01\ndownload: paid\nprice: 5\n"
    ),
    "releases/hidden-one/release.yaml": "status: unlisted\ntitle: Hidden One\nartist: ana\ndate: 2025-07-01\n",
    "releases/bo-draft/release.yaml": "title: Bo Draft\nartist: Bo\ndate: 2025-08-01\n",
}


def tone(path: Path, seconds: float = 1.0, freq: float = 440.0) -> Path:
    """A real FLAC: ffmpeg's sine source (about -21 LUFS, so normalising a preview moves it)."""
    subprocess.run(
        [ffmpeg_path(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f={freq}:d={seconds}",
         "-c:a", "flac", str(path)],
        check=True,
    )  # fmt: skip
    return path


def write_catalog(content: Path, catalog_yaml: str = CATALOG) -> Path:
    (content / "catalog.yaml").parent.mkdir(parents=True, exist_ok=True)
    (content / "catalog.yaml").write_text(catalog_yaml)
    for name, text in FILES.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    for n in range(1, 6):
        tone(content / f"releases/free-one/0{n} - Song {n}.flac", freq=220 + 40 * n)
    PILImage.new("RGB", (300, 300), (200, 30, 40)).save(content / "releases/free-one/cover.jpg", quality=90)
    tone(content / "releases/paid-one/01 - Long.flac", seconds=PAID_SECONDS)
    tone(content / "releases/hidden-one/01 - Secret.flac", freq=330)
    tone(content / "releases/bo-draft/01 - Unfinished.flac", freq=550)
    return content


def write_keys(data: Path, usernames: list[str]) -> Path:
    """data/federation/public-keys.json as the daemon writes it (a real RSA public key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    ids = {"label": f"{BASE}/ap/label.json", "fed.example.org": f"{BASE}/ap/instance.json"}
    keys = {
        name: {"id": ids.get(name, f"{BASE}/ap/artists/{name}.json") + "#main-key", "pem": pem}
        for name in usernames
    }
    path = data / "federation" / "public-keys.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "keys": keys}))
    return path


def write_interactions(data: Path, releases: dict[str, Any]) -> Path:
    path = data / "federation" / "interactions.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "releases": releases}))
    return path
