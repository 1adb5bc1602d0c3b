"""Server-rendered pages: one jinja2 environment, the layout every page extends, `render()`.

`create_app` sets it up before the features, so any feature's pages render whichever others are
composed (the setup page needs no dashboard). The layout (layout/: base.html, admin.css and
admin.js, served under /admin/static/) is shared; each feature keeps its own templates in its
folder's templates/ and adds them with `add_templates`, under its folder's name:
`render(request, "admin/index.html")`. The CSRF token a page's forms carry comes from the
accounts feature, handed over by `create_app`.

Pages speak the account's language (the accounts feature sets PAGE_LANGUAGE on the request), else
the first of Accept-Language a catalog speaks, else catalog.yaml's `language` (read at start):
the `dashboard` domain of themes/locale (generator/site/i18n.py, docs/translating.md). A message
built in Python for a page (a flash line, a form error) goes through `translate()` in the same
language; the pages' scripts read theirs from /admin/static/messages/<catalog>/<domain>.json.
"""

from __future__ import annotations

import datetime
import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel.dates
import jinja2
import yaml
from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.roles import PUBLIC, grant, requires
from tunecamp.daemon.users import current_user
from tunecamp.generator.catalog.settings import language_tag
from tunecamp.generator.site import i18n

ASSETS = {"admin.css": "text/css", "admin.js": "text/javascript", "favicon.svg": "image/svg+xml"}
# The scripts' messages (TuneCamp.t, the theme's i18n.js) come from the theme, the same file as the site's
I18N_JS = ("tunecamp.themes", ("default", "static", "i18n.js"))
MESSAGES_PATH = "/admin/static/messages"  # /<catalog>/<domain>.json, compiled by scripts/compile_messages.py


# The account roles (users.ROLES) as a person reads them: the header, the users page
ROLE_LABELS = {
    "owner": i18n.N_("owner"),
    "manager": i18n.N_("manager"),
    "curator": i18n.N_("curator"),
    "listener": i18n.N_("listener"),
}


@dataclass(frozen=True)
class Pages:
    env: jinja2.Environment
    csrf_token: Callable[[web.Request], str]  # the session's, for the forms
    folders: dict[str, jinja2.BaseLoader] = field(default_factory=dict)  # feature name -> its templates
    catalog: dict[str, str] = field(default_factory=dict)  # "language": catalog.yaml's, read at start
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # add_labels: group -> value -> label

    def label(self, value: object, group: str) -> str:
        """The `label` filter: a stored value's label in the page's language, else the value."""
        english = self.labels.get(group, {}).get(str(value)) if value is not None else None
        return i18n.template_gettext(english) if english else ("" if value is None else str(value))


PAGES = web.AppKey("pages", Pages)
# The signed-in account's language, when it chose one (set by the accounts feature)
PAGE_LANGUAGE = web.RequestKey("page_language", str)


def catalog_language(content_dir: Path) -> str:
    """catalog.yaml's `language`, "en" when it has none or cannot be read (the build reports why)."""
    try:
        data = yaml.safe_load((content_dir / "catalog.yaml").read_text(encoding="utf-8"))
        return language_tag(data["language"]) if isinstance(data, dict) and "language" in data else "en"
    except (OSError, yaml.YAMLError, ValueError):
        return "en"


def page_language(request: web.Request) -> str:
    chosen = request.get(PAGE_LANGUAGE)
    if chosen:
        return chosen
    accepted = i18n.negotiate(request.headers.get("Accept-Language", ""))
    pages = request.app.get(PAGES)  # absent in an app composed without pages: English messages
    return accepted or (pages.catalog.get("language", "en") if pages else "en")


def request_locale(request: web.Request) -> i18n.PageLocale:
    """The dashboard-domain locale a page for this request speaks (page_language)."""
    return i18n.page_locale(page_language(request), i18n.DASHBOARD_DOMAIN)


def translate(request: web.Request, message: str, **variables: object) -> str:
    """A message built in Python that a person reads on a page (a flash line, a form error), in the
    request's language: translated whole, then its %(name)s placeholders filled. `make messages`
    extracts the second argument (keyword translate:2), so call it with the literal English."""
    text = request_locale(request).translations.gettext(message)
    return text % variables if variables else text


def translate_plural(
    request: web.Request, singular: str, plural: str, count: int, **variables: object
) -> str:
    """translate() for a counted message; %(num)s is the count written the locale's way."""
    locale = request_locale(request)
    text = locale.translations.ngettext(singular, plural, count)
    with i18n.speaking(locale):
        return text % {"num": i18n.number(count), **variables}


def setup(app: web.Application, csrf_token: Callable[[web.Request], str]) -> None:
    folders: dict[str, jinja2.BaseLoader] = {}
    env = jinja2.Environment(
        # the layout by its bare name ({% extends "base.html" %}), a feature's pages under its name
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("tunecamp.daemon", "layout"), jinja2.PrefixLoader(folders)]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # the same behaviour without jinja's per-call wrapper (see template_gettext)
    env.globals.update(
        _=i18n.template_gettext, gettext=i18n.template_gettext, ngettext=i18n.template_ngettext
    )
    env.globals.update(locale=i18n.current, plural=i18n.plural, messages=messages_url)
    env.filters["isotime"] = isotime
    env.globals["ago"] = ago
    env.filters["number"] = i18n.number
    pages = Pages(env, csrf_token, folders)
    env.filters["label"] = pages.label
    app[PAGES] = pages
    add_labels(app, "role", ROLE_LABELS)

    async def read_catalog(app: web.Application) -> None:
        pages.catalog["language"] = catalog_language(app[CONFIG].content_dir)

    app.on_startup.append(read_catalog)
    app.router.add_get("/admin/static/{name}", asset)
    app.router.add_get(MESSAGES_PATH + "/{catalog}/{domain}.json", script_messages)


def add_templates(app: web.Application, package: str) -> None:
    """Make the templates/ folder of `package` (a feature) renderable as "<its last name>/<file>"."""
    app[PAGES].folders[package.rpartition(".")[2]] = jinja2.PackageLoader(package, "templates")


def add_labels(app: web.Application, group: str, labels: dict[str, str]) -> None:
    """Words for the stored machine values of `group` a page shows (a build's state, a crawl's trigger):
    value -> English label marked with N_(), shown with `{{ value|label("group") }}` in the page's
    language. The stored value stays as it is; one without a label is shown as it is."""
    app[PAGES].labels.setdefault(group, {}).update(labels)


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    pages = request.app[PAGES]
    locale = request_locale(request)
    with i18n.speaking(locale):
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
            "Content-Language": locale.tag,
            "Vary": "Accept-Language, Cookie",
        },
    )


def ago(seconds: float | None, now: float) -> str:
    """How long before `now` a Unix time was, in the page's language ("2 hours ago", "vor 2 Stunden");
    a dash for never. The dashboards' "last seen", "last run" columns."""
    if not seconds:
        return "—"
    elapsed = datetime.timedelta(seconds=-max(1.0, now - seconds))  # zero would read "in 0 seconds"
    return babel.dates.format_timedelta(elapsed, add_direction=True, locale=i18n.current().locale)


def isotime(seconds: float, human: bool = False) -> str:
    """A Unix time as <time datetime> wants it, or as people read it ("2026-12-02 15:40 UTC")."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    if not human:
        return moment.isoformat(timespec="seconds")
    if i18n.current().catalog == i18n.SOURCE_LANGUAGE:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"{i18n.moment(moment)} UTC"


def messages_url(domain: str = i18n.DASHBOARD_DOMAIN) -> str:
    """The page's <meta name="tunecamp-messages">: its scripts' messages, "" in English (their own)."""
    catalog = i18n.current().catalog
    return "" if catalog == i18n.SOURCE_LANGUAGE else f"{MESSAGES_PATH}/{catalog}/{domain}.json"


@requires(PUBLIC)
async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name == "i18n.js":
        package, parts = I18N_JS
        data = importlib.resources.files(package).joinpath(*parts).read_bytes()
        return web.Response(
            body=data, content_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
        )
    if name not in ASSETS:
        raise web.HTTPNotFound()
    data = importlib.resources.files("tunecamp.daemon").joinpath("layout", name).read_bytes()
    return web.Response(
        body=data, content_type=ASSETS[name], headers={"Cache-Control": "public, max-age=300"}
    )


@requires(PUBLIC)
async def script_messages(request: web.Request) -> web.StreamResponse:
    catalog, domain = request.match_info["catalog"], request.match_info["domain"]
    if catalog not in i18n.CATALOGS or domain not in (i18n.SITE_DOMAIN, i18n.DASHBOARD_DOMAIN):
        raise web.HTTPNotFound()
    path = i18n.locale_dir() / catalog / "LC_MESSAGES" / f"{domain}.json"
    if not path.is_file():  # English, or an install that did not compile: the scripts' own words
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(),
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
