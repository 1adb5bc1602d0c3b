"""Signing in and out of the dashboard: /admin/login and /admin/logout.

The form signs in with the same check as the API (rate limits included) and keeps the token in
the session cookie (sessions.py). After signing in, a person goes back where they were headed,
never off the site; a Listener, who may not see /admin itself, goes to their Subsonic page.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.accounts.sessions import (
    check_login,
    clear_session_cookie,
    issue_token,
    remember_device,
    set_session_cookie,
)
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.html import render
from tunecamp.daemon.roles import ACCOUNT, DRAFTS_VIEW, PUBLIC, grant, requires
from tunecamp.generator.site.i18n import N_


def _safe_next(value: str | None) -> str:
    # only our own admin pages: never "//elsewhere" or an absolute URL
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"


@requires(PUBLIC)
async def login_form(request: web.Request) -> web.Response:
    return render(
        request, "accounts/login.html", next=_safe_next(request.query.get("next")), error=None, username=""
    )


@requires(PUBLIC)
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    try:
        user = await check_login(request, username[:64], password[:1024])
    except web.HTTPException as exc:
        # in English here, in the page's language on the page (login.html translates it)
        message = (
            N_("Too many attempts; wait a little.")
            if exc.status == 429
            else N_("Wrong username or password.")
        )
        status = 429 if exc.status == 429 else 200  # a page showing the form again, not an API error
        page = render(
            request, "accounts/login.html", status=status, next=target, error=message, username=username
        )
        if "Retry-After" in exc.headers:  # the API's 429 carries it too
            page.headers["Retry-After"] = exc.headers["Retry-After"]
        return page
    if target == "/admin" and grant(DRAFTS_VIEW, user.role) != "yes":
        target = "/admin/subsonic"  # a Listener's only page: /admin itself would be a 403
    response = web.HTTPSeeOther(target)
    set_session_cookie(response, request, issue_token(request.app, user)[0])
    remember_device(response, request, user)
    raise response


@requires(ACCOUNT)
async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/admin/login")
    clear_session_cookie(response)
    raise response


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/login", login_form)
    app.router.add_post("/admin/login", login_submit)
    app.router.add_post("/admin/logout", logout)
