"""Server-rendered pages: one jinja2 environment, the layout every page extends, `render()`.

`create_app` sets it up before the features, so any feature's pages render whichever others are
composed (the setup page needs no dashboard). The layout (layout/: base.html, admin.css and
admin.js, served under /admin/static/) is shared; each feature keeps its own templates in its
folder's templates/ and adds them with `add_templates`, under its folder's name:
`render(request, "admin/index.html")`. The CSRF token a page's forms carry comes from the
accounts feature, handed over by `create_app`.
"""

from __future__ import annotations

import datetime
import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from aiohttp import web

from tunecamp.daemon.roles import PUBLIC, grant, requires
from tunecamp.daemon.users import current_user

ASSETS = {"admin.css": "text/css", "admin.js": "text/javascript", "favicon.svg": "image/svg+xml"}


@dataclass(frozen=True)
class Pages:
    env: jinja2.Environment
    csrf_token: Callable[[web.Request], str]  # the session's, for the forms
    folders: dict[str, jinja2.BaseLoader] = field(default_factory=dict)  # feature name -> its templates


PAGES = web.AppKey("pages", Pages)


def setup(app: web.Application, csrf_token: Callable[[web.Request], str]) -> None:
    folders: dict[str, jinja2.BaseLoader] = {}
    env = jinja2.Environment(
        # the layout by its bare name ({% extends "base.html" %}), a feature's pages under its name
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("tunecamp.daemon", "layout"), jinja2.PrefixLoader(folders)]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["isotime"] = isotime
    app[PAGES] = Pages(env, csrf_token, folders)
    app.router.add_get("/admin/static/{name}", asset)


def add_templates(app: web.Application, package: str) -> None:
    """Make the templates/ folder of `package` (a feature) renderable as "<its last name>/<file>"."""
    app[PAGES].folders[package.rpartition(".")[2]] = jinja2.PackageLoader(package, "templates")


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    pages = request.app[PAGES]
    html = pages.env.get_template(name).render(
        user=current_user(request),
        csrf=pages.csrf_token(request),
        flash=request.query.get("flash"),
        grant=grant,
        **context,
    )
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
        },
    )


def isotime(seconds: float, human: bool = False) -> str:
    """A Unix time as <time datetime> wants it, or as people read it ("2026-12-02 15:40 UTC")."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if human else moment.isoformat(timespec="seconds")


@requires(PUBLIC)
async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    data = importlib.resources.files("tunecamp.daemon").joinpath("layout", name).read_bytes()
    return web.Response(
        body=data, content_type=ASSETS[name], headers={"Cache-Control": "public, max-age=300"}
    )
