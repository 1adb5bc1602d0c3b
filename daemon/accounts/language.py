"""The account's language: /admin/account, where a signed-in person picks the dashboard's language.

A choice is kept in `account_languages` (this feature's migration set); the middleware hands it to
html.py on every dashboard request of that account. Without one, pages follow Accept-Language,
then the catalog's language (html.page_language).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import PAGE_LANGUAGE, render
from tunecamp.daemon.roles import ACCOUNT, requires
from tunecamp.daemon.users import current_user
from tunecamp.generator.site import i18n

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The dashboard's languages, each in its own name: a person finds theirs without reading the page.
CHOICES = tuple((c.replace("_", "-"), i18n.parse_tag(c).get_display_name() or c) for c in i18n.CATALOGS)


def get_language(db: Database, user_id: int) -> str | None:
    row = db.execute("SELECT language FROM account_languages WHERE user_id = ?", [user_id]).fetchone()
    return row[0] if row else None


def set_language(db: Database, user_id: int, language: str | None) -> None:
    with db.atomic():
        if language is None:
            db.execute("DELETE FROM account_languages WHERE user_id = ?", [user_id])
        else:
            db.execute(
                "INSERT INTO account_languages (user_id, language) VALUES (?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET language = excluded.language",
                [user_id, language],
            )


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    user = current_user(request)
    if (
        user is not None
        and request.path.startswith("/admin")
        and not request.path.startswith("/admin/static")
    ):
        language = await request.app[DB].run(lambda db: get_language(db, user.id))
        if language:
            request[PAGE_LANGUAGE] = language
    return await handler(request)


@requires(ACCOUNT)
async def account_page(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None  # requires(ACCOUNT)
    chosen = await request.app[DB].run(lambda db: get_language(db, user.id))
    return render(request, "accounts/account.html", choices=CHOICES, chosen=chosen or "")


@requires(ACCOUNT)
async def account_submit(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    assert user is not None
    form = await read_form(request)
    value = form.get("language")
    if not isinstance(value, str):
        raise http_error(
            400, "language: missing (one of: " + ", ".join(c for c, _ in CHOICES) + ", or empty)"
        )
    value = value.strip()
    if value and value not in dict(CHOICES):
        raise http_error(400, f"language: {value[:40]!r} is not one of " + ", ".join(c for c, _ in CHOICES))
    await request.app[DB].run(lambda db: set_language(db, user.id, value or None))
    raise web.HTTPSeeOther("/admin/account")


def setup(app: web.Application) -> None:
    app.middlewares.append(language_middleware)
    app.router.add_get("/admin/account", account_page)
    app.router.add_post("/admin/account", account_submit)
