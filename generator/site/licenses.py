"""Licence identifiers (SPDX-style, as artists write them) to a readable name and a link."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CC = re.compile(r"^CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)$", re.I)
_NAMED = {
    "CC0-1.0": ("CC0 1.0 (public domain)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "CC0": ("CC0 1.0 (public domain)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "PUBLIC-DOMAIN": ("Public domain", None),
    "ALL-RIGHTS-RESERVED": ("All rights reserved", None),
}


@dataclass(frozen=True)
class License:
    id: str
    name: str
    url: str | None


def license_info(identifier: str | None) -> License | None:
    """`CC-BY-SA-4.0` -> Creative Commons Attribution-ShareAlike 4.0 and its deed URL."""
    if not identifier:
        return None
    key = identifier.strip()
    named = _NAMED.get(key.upper().replace(" ", "-"))
    if named:
        return License(key, named[0], named[1])
    match = _CC.match(key)
    if match:
        kind, version = match.group(1).upper(), match.group(2)
        words = {"BY": "Attribution", "NC": "NonCommercial", "SA": "ShareAlike", "ND": "NoDerivatives"}
        name = "-".join(words[part] for part in kind.split("-"))
        return License(
            key,
            f"Creative Commons {name} {version}",
            f"https://creativecommons.org/licenses/{kind.lower()}/{version}/",
        )
    if key.startswith(("https://", "http://")):
        return License(key, key, key)
    return License(key, key, None)
