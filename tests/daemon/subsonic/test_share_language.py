"""A share page speaks the catalog's language, or the visitor's browser's."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from subsonic_fixtures import Daemon, publish_site, running_daemon

pytestmark = pytest.mark.slow

FRENCH_CATALOG = (
    "title: Test Label\nbase_url: http://127.0.0.1:8000\ndaemon_url: http://127.0.0.1:8000\nlanguage: fr\n"
)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(
        tmp_path_factory.mktemp("shares-fr"), extra={"catalog.yaml": FRENCH_CATALOG}
    ) as running:
        publish_site(running)
        yield running


def test_the_share_page_speaks_the_catalogs_language(daemon: Daemon) -> None:
    found = daemon.ok("search3", "carl", query="")["searchResult3"]
    draft = next(a for a in found["album"] if a["name"] == "Night Drafts")
    share = daemon.ok("createShare", "carl", id=draft["id"])["shares"]["share"][0]
    url = daemon.url + urlsplit(share["url"]).path
    page = httpx.get(url)
    assert page.status_code == 200 and page.headers["content-language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in page.text and "Partagé par carl, jusqu’au" in page.text
    german = httpx.get(url, headers={"Accept-Language": "de"})
    assert '<html lang="de" dir="ltr">' in german.text and "Geteilt von carl, bis" in german.text
    forged = httpx.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert forged.status_code == 404 and "Aucun partage de ce nom" in forged.text
