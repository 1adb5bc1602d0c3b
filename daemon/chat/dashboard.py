"""The dashboard's chat page, /admin/chat: the reports queue, sanctions in force, the latest
messages with their moderation buttons, and the instance's chat settings (`chat.moderate`)."""

from __future__ import annotations

import json
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.chat import store
from tunecamp.daemon.chat.access import ORIGINS
from tunecamp.daemon.chat.moderation import resolve_target
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.db import row_id
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import CHAT_MODERATE, requires
from tunecamp.daemon.users import current_user

HOME = "/admin/chat"


def _back(flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{HOME}?flash={quote(flash)}")


@requires(CHAT_MODERATE)
async def page(request: web.Request) -> web.Response:
    chat = request.app[CHAT]
    now = chat.clock()
    reports, sanctions, recent = await chat.db.run(
        lambda db: (store.open_reports(db), store.sanctions(db, now), store.recent(db, 100))
    )
    config = request.app[CONFIG]
    origins: frozenset[str] = request.app[ORIGINS]
    return render(
        request,
        "chat/chat.html",
        reports=reports,
        sanctions=sanctions,
        recent=recent,
        settings=chat.settings,
        origins=sorted(origins),
        rate_user=config.chat_rate_user,
        rate_address=config.chat_rate_address,
        now=now,
    )


@requires(CHAT_MODERATE)
async def delete(request: web.Request) -> web.StreamResponse:
    found = row_id(request.match_info["message_id"])
    done = found is not None and await request.app[CHAT].delete(found, current_user(request))
    raise _back(
        translate(request, "message %(id)s deleted", id=found)
        if done
        else translate(request, "that message was deleted already")
    )


@requires(CHAT_MODERATE)
async def sanction(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    kinds: dict[str | None, store.Kind] = {"mute": "mute", "ban": "ban"}
    kind = kinds.get(form.get("kind"))
    if kind is None:
        raise _back(translate(request, "choose mute or ban"))
    try:
        target = await resolve_target(request, form)
    except web.HTTPException as exc:
        raise _back(str(json.loads(exc.text or "{}").get("error", exc.reason))) from None
    await request.app[CHAT].sanction(kind, target, current_user(request))
    said = {
        ("mute", True): translate(request, "the account is muted"),
        ("ban", True): translate(request, "the account is banned"),
        ("mute", False): translate(request, "the address is muted"),
        ("ban", False): translate(request, "the address is banned"),
    }
    raise _back(said[kind, bool(target.user_id)])


@requires(CHAT_MODERATE)
async def lift(request: web.Request) -> web.StreamResponse:
    found = row_id(request.match_info["sanction_id"])
    done = found is not None and await request.app[CHAT].lift(found)
    raise _back(
        translate(request, "lifted") if done else translate(request, "that sanction was no longer in force")
    )


@requires(CHAT_MODERATE)
async def resolve(request: web.Request) -> web.StreamResponse:
    found = row_id(request.match_info["report_id"])
    done = found is not None and await request.app[CHAT].resolve(found, current_user(request))
    raise _back(
        translate(request, "report dismissed")
        if done
        else translate(request, "that report was closed already")
    )


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(HOME, page)
    r.add_post(f"{HOME}/messages/{{message_id}}/delete", delete)
    r.add_post(f"{HOME}/sanctions", sanction)
    r.add_post(f"{HOME}/sanctions/{{sanction_id}}/lift", lift)
    r.add_post(f"{HOME}/reports/{{report_id}}/resolve", resolve)
