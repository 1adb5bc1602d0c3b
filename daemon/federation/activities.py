"""What each verified activity does. The inbox (inbox.py) has checked its signature, that the key is
the actor's, the blocks and that it is new; here its effect is stored.

- Follow of a local actor: stored, and an Accept embedding the whole Follow is delivered, or it
  waits for the artist (manually_approves_followers) in the dashboard;
- Undo of a Follow, Like or Announce; Like and Announce of a release's note, Create or Announce,
  counted per release;
- Create of a Note replying to a release: kept, sanitised, as a reply awaiting moderation;
- Update of the actor: its cached profile and key are fetched again; of a reply: its text;
- Delete of the actor: its follows, likes, boosts and replies go; of a reply: the reply;
- Flag: to the moderation queue;
- Accept or Reject of a Follow the label sent (following.py): that follow's state, when the
  answer comes from the actor followed; Create and Announce from followed actors are handled as
  any others (a reply to a release is kept, the rest accepted and ignored: there is no timeline);
- anything else: accepted and ignored, logged once per type.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import nh3

from tunecamp.daemon.federation import following, moderation
from tunecamp.daemon.federation.remote import RemoteActor, RemoteError
from tunecamp.daemon.federation.service import Federation

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ALLOWED_TAGS = {
    "p",
    "br",
    "a",
    "span",
    "em",
    "strong",
    "i",
    "b",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
}
_BLOCK_END = re.compile(r"</(p|li|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")


class Malformed(ValueError):
    """An activity the inbox cannot act on: answered 400 with the reason."""


def id_of(value: Any) -> str:
    """The id of a link or an embedded object ("" when there is none)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def sanitize(html: str) -> tuple[str, str]:
    """(clean HTML, plain text) of a remote post's content."""
    clean = nh3.clean(
        html[:50_000],
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}, "span": set()},
        link_rel="nofollow noopener",
    )
    text = _TAG.sub("", _BLOCK_END.sub("\n", clean))
    lines = [_SPACES.sub(" ", unescape(line)).strip() for line in text.splitlines()]
    plain = "\n".join(line for line in lines if line)
    return clean, plain[:5000]


async def handle(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    """Act on one verified activity; returns what was done (for the log and the tests)."""
    kind = activity.get("type")
    kind = kind if isinstance(kind, str) else "?"
    handler = HANDLERS.get(kind)
    if handler is None:
        fed.log_ignored(kind)
        return "ignored"
    return await handler(fed, activity, actor_id, inbox_owner)


async def follow(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    obj = id_of(activity.get("object"))
    target = next((a for a in fed.manifest.get().actors if a.id == obj), None)
    if target is None:
        return "ignored: not one of our actors"
    remote = await _actor(fed, actor_id)
    if fed.blocks.blocked(remote.host, remote.id, target.username):
        await fed.answer_follow("Reject", target, activity, remote.inbox)
        return "rejected: blocked"
    state = "pending" if target.manually_approves_followers else "accepted"
    existing = await fed.db.run(lambda db: moderation.follower(db, target.username, remote.id))
    await fed.db.run(
        lambda db: moderation.add_follower(
            db, target.username, remote.id, (remote.inbox, remote.shared_inbox), activity, state
        )
    )
    if existing is not None and existing["state"] == "accepted":
        state = "accepted"
    if state == "accepted":
        await fed.answer_follow("Accept", target, activity, remote.inbox)
    return f"follow {state}"


async def undo(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    inner = activity.get("object")
    inner_id = id_of(inner)
    inner_type = inner.get("type") if isinstance(inner, dict) else None
    if isinstance(inner, dict) and id_of(inner.get("actor")) not in ("", actor_id):
        raise Malformed("Undo: the undone activity belongs to another actor")
    if inner_type in (None, "Follow"):
        manifest = fed.manifest.get()
        target = manifest.by_url.get(id_of(inner.get("object"))) if isinstance(inner, dict) else None
        username = target.username if target else None
        gone = await fed.db.run(
            lambda db: moderation.remove_follower(db, username, actor_id, None if username else inner_id)
        )
        if gone or inner_type == "Follow":
            return "unfollowed" if gone else "ignored: no such follow"
    if inner_type in (None, "Like", "Announce"):
        kind = {"Like": "like", "Announce": "announce"}.get(inner_type or "")
        obj = id_of(inner.get("object")) if isinstance(inner, dict) else None
        removed = await fed.db.run(lambda db: moderation.remove_reaction(db, actor_id, inner_id, kind, obj))
        if removed:
            fed.exporter.schedule()
            return f"undone {kind or 'reaction'}"
    return "ignored: nothing to undo"


async def react(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    kind = "like" if activity.get("type") == "Like" else "announce"
    obj = id_of(activity.get("object"))
    release = fed.manifest.get().release(obj)
    if release is None:
        return "ignored: not a release of ours"
    activity_id = id_of(activity)
    added = await fed.db.run(
        lambda db: moderation.add_reaction(db, activity_id, kind, actor_id, obj, release)
    )
    if added:
        fed.exporter.schedule()
    return f"{kind} of {release}" if added else f"ignored: {kind} already counted"


async def create(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    note = activity.get("object")
    if not isinstance(note, dict):
        return "ignored: Create without an embedded object"
    if note.get("type") not in ("Note", "Article", "Page", "Question"):
        fed.log_ignored(f"Create of {str(note.get('type'))[:32]}")
        return "ignored"
    release = fed.manifest.get().release(id_of(note.get("inReplyTo")))
    if release is None:
        return "ignored: not a reply to a release"
    return await _keep_reply(fed, note, actor_id, release)


async def _keep_reply(fed: Federation, note: dict[str, Any], actor_id: str, release: str) -> str:
    note_id = id_of(note)
    if not note_id or id_of(note.get("attributedTo")) not in ("", actor_id):
        raise Malformed("Create: the Note needs an id and must be attributed to the actor")
    if note_id.split("/")[2:3] != actor_id.split("/")[2:3]:
        raise Malformed("Create: the Note's id is not on the actor's server")
    audience = [*_list(note.get("to")), *_list(note.get("cc"))]
    if PUBLIC not in audience and "as:Public" not in audience and "Public" not in audience:
        return "ignored: a private reply is never published"
    remote = await _actor(fed, actor_id)
    content = note.get("content")
    html, text = sanitize(content if isinstance(content, str) else "")
    if not text:
        return "ignored: an empty reply"
    url = note.get("url")
    url = (
        id_of(url[0] if isinstance(url, list) and url else url)
        or (url if isinstance(url, str) else "")
        or note_id
    )
    published = note.get("published") if isinstance(note.get("published"), str) else moderation.now_iso()
    row = {
        "id": note_id,
        "release": release,
        "actor": actor_id,
        "in_reply_to": id_of(note.get("inReplyTo")),
        "url": url if url.startswith(("https://", "http://")) else note_id,
        "published": str(published)[:40],
        "content_html": html,
        "text": text,
        "author_name": remote.name or remote.preferred_username,
        "author_handle": remote.handle,
        "author_url": remote.url,
        "author_avatar": remote.icon,
    }
    new = await fed.db.run(lambda db: moderation.add_comment(db, row))
    if not new:
        fed.exporter.schedule()  # an approved reply's new text
    return f"reply to {release} awaiting moderation" if new else "reply updated"


async def update(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    obj = activity.get("object")
    if id_of(obj) == actor_id:
        try:
            await fed.remote.actor(actor_id, refresh=True)
        except RemoteError as exc:
            return f"ignored: the actor could not be fetched again ({exc.reason})"
        return "actor refreshed"
    if isinstance(obj, dict) and obj.get("type") == "Note":
        release = fed.manifest.get().release(id_of(obj.get("inReplyTo")))
        known = await fed.db.run(
            lambda db: list(db.query("SELECT 1 FROM fed_comments WHERE id = ?", [id_of(obj)]))
        )
        if release and known:
            return await _keep_reply(fed, obj, actor_id, release)
    return "ignored: nothing of ours to update"


async def delete(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    obj_id = id_of(activity.get("object"))
    if obj_id == actor_id:
        gone = await fed.db.run(lambda db: moderation.forget_actor(db, actor_id))
        await fed.remote.forget(actor_id)
        if gone["fed_reactions"] or gone["fed_comments"]:
            fed.exporter.schedule()
        return "actor deleted: " + ", ".join(f"{n} {t.removeprefix('fed_')}" for t, n in gone.items())
    status = await fed.db.run(
        lambda db: [
            r["status"]
            for r in db.query(
                "SELECT status FROM fed_comments WHERE id = ? AND actor = ?", [obj_id, actor_id]
            )
        ]
    )
    if status:
        await fed.db.run(lambda db: moderation.remove_comment(db, obj_id, actor_id))
        if status[0] == "approved":
            fed.exporter.schedule()
        return "reply deleted"
    return "ignored: nothing of ours to delete"


async def flag(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    objects = [id_of(o) for o in _list(activity.get("object")) if id_of(o)]
    content = activity.get("content")
    flag_id = id_of(activity) or f"{actor_id}#flag-{len(objects)}"
    await fed.db.run(
        lambda db: moderation.add_flag(
            db, flag_id, actor_id, objects, content if isinstance(content, str) else ""
        )
    )
    return "report queued"


async def _actor(fed: Federation, actor_id: str) -> RemoteActor:
    try:
        return await fed.remote.actor(actor_id)
    except RemoteError as exc:
        raise Malformed(f"the actor {actor_id} cannot be fetched: {exc.reason}") from None


async def answer(fed: Federation, activity: dict[str, Any], actor_id: str, inbox_owner: str | None) -> str:
    kind = str(activity.get("type"))
    inner = activity.get("object")
    if isinstance(inner, dict) and inner.get("type") not in (None, "Follow"):
        fed.log_ignored(f"{kind} of {str(inner.get('type'))[:32]}")
        return "ignored"
    embedded = inner if isinstance(inner, dict) else {}
    received = following.Answer(
        kind, actor_id, id_of(inner), id_of(embedded.get("actor")), id_of(embedded.get("object"))
    )
    try:
        return await following.answered(fed, received)
    except following.FollowError as exc:
        raise Malformed(f"{kind}: {exc.reason}") from None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


HANDLERS = {
    "Follow": follow,
    "Undo": undo,
    "Like": react,
    "Announce": react,
    "Create": create,
    "Update": update,
    "Delete": delete,
    "Flag": flag,
    "Accept": answer,
    "Reject": answer,
}
