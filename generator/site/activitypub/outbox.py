"""Collections: an actor's outbox in pages of PAGE_SIZE, newest first, and its featured posts.

An outbox is an OrderedCollection naming its first and last page; each page is an
OrderedCollectionPage with its activities embedded, linked to the next and previous ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tunecamp.generator.output import Output
from tunecamp.generator.site.activitypub.vocabulary import CONTEXT, PAGE_SIZE, document

FEATURED = 3  # posts pinned to an artist's profile: the latest releases

PagePath = Callable[[int | None], str]  # the outbox (None) or its page n, as a site path


def paged(items: Sequence[dict[str, Any]], path: PagePath, doc_url: Callable[[str], str]) -> list[Output]:
    """The collection and its pages; `items` newest first, each an activity with its @context."""
    collection_id = doc_url(path(None))
    embedded = [{k: v for k, v in item.items() if k != "@context"} for item in items]
    pages = [embedded[i : i + PAGE_SIZE] for i in range(0, len(embedded), PAGE_SIZE)]
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(embedded),
    }
    if not pages:
        collection["orderedItems"] = []
        return [document(path(None), collection)]
    collection["first"] = doc_url(path(1))
    collection["last"] = doc_url(path(len(pages)))
    outputs = [document(path(None), collection)]
    for n, page_items in enumerate(pages, start=1):
        page: dict[str, Any] = {
            "@context": CONTEXT,
            "id": doc_url(path(n)),
            "type": "OrderedCollectionPage",
            "partOf": collection_id,
            "startIndex": (n - 1) * PAGE_SIZE,
            "orderedItems": page_items,
        }
        if n > 1:
            page["prev"] = doc_url(path(n - 1))
        if n < len(pages):
            page["next"] = doc_url(path(n + 1))
        outputs.append(document(path(n), page))
    return outputs


def featured(notes: Sequence[dict[str, Any]], collection_id: str) -> dict[str, Any]:
    """The latest notes, embedded: what Mastodon pins on the profile."""
    items = [{k: v for k, v in n.items() if k != "@context"} for n in notes[:FEATURED]]
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
