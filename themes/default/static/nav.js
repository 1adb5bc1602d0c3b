/* TuneCamp page changes without reloads, so the player keeps playing.

   Same-origin links to pages of the site (and GET forms such as search) are fetched and
   their #page swapped in; the title, the page's own <head> elements ([data-page]) and the
   address follow. Anything unusual is a normal navigation: modifier keys, other origins,
   downloads, targets, non-HTML answers, a page without #page, or a page built with other
   assets (a rebuild changed the CSS or scripts).

   After a swap the `tunecamp:page` event fires on document: scripts bind the new page there.
   window.TuneCamp.navigate(href) and window.TuneCamp.reload() are the hooks for other
   scripts; the preview server's live reload calls reload(), which re-renders the page from
   the server without stopping the music. */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  var api = window.TuneCamp = window.TuneCamp || {};
  var canSwap = !doc.body.hasAttribute("data-embed") &&
    !!(window.history && history.pushState && window.fetch && window.DOMParser && window.URL);

  api.navigate = function (href) { location.assign(href); return Promise.resolve(false); };
  api.reload = function () { location.reload(); return Promise.resolve(false); };
  if (!canSwap) return;

  var basePath = (doc.querySelector('meta[name="tunecamp-base"]') || {}).content || "/";
  var inFlight = null;
  var shownUrl = location.href.split("#")[0];

  function $$(sel, scope) { return Array.prototype.slice.call((scope || doc).querySelectorAll(sel)); }

  // A page in another language (an artist's or release's own) is loaded whole: its lang, dir and
  // the scripts' messages come with it.
  function assetsVersion(d) {
    var m = d.querySelector('meta[name="tunecamp-assets"]');
    return (m ? m.getAttribute("content") : "") + " " + (d.documentElement.lang || "");
  }

  function isPage(url) {
    if (url.origin !== location.origin || url.pathname.indexOf(basePath) !== 0) return false;
    var last = url.pathname.split("/").pop();
    return last === "" || /\.html?$/i.test(last) || last.indexOf(".") < 0;
  }

  function rememberScroll() {
    try {
      history.replaceState(Object.assign({}, history.state, { tunecamp: 1, scroll: window.scrollY }), "");
    } catch (e) { /* a sandboxed frame */ }
  }

  function swap(next, page) {
    doc.title = next.title;
    $$("head [data-page]").forEach(function (n) { n.parentNode.removeChild(n); });
    var anchor = doc.querySelector('head link[rel="stylesheet"]');
    $$("head [data-page]", next).forEach(function (n) {
      doc.head.insertBefore(doc.importNode(n, true), anchor ? anchor.nextSibling : null);
    });
    doc.body.className = next.body.className;
    var old = doc.getElementById("page");
    old.parentNode.replaceChild(doc.importNode(page, true), old);
  }

  /* opts: push (a new history entry), replace, scroll (a position to restore), keepFocus. */
  function navigate(href, opts) {
    opts = opts || {};
    var url = new URL(href, location.href);
    if (!isPage(url)) { location.assign(url.href); return Promise.resolve(false); }
    if (inFlight) inFlight.abort();
    var controller = window.AbortController ? new AbortController() : null;
    inFlight = controller;
    root.classList.add("is-loading");
    var fetchUrl = url.href.split("#")[0];
    var finalUrl = url;
    return fetch(fetchUrl, {
      headers: { Accept: "text/html" }, credentials: "same-origin", signal: controller ? controller.signal : undefined
    }).then(function (res) {
      var type = res.headers.get("Content-Type") || "";
      // A 404 is still a page of the site (404.html): show it like any other.
      if ((!res.ok && res.status !== 404) || type.indexOf("text/html") < 0) throw new Error("not a page");
      finalUrl = new URL(res.url || fetchUrl);
      finalUrl.hash = url.hash;
      return res.text();
    }).then(function (text) {
      if (inFlight !== controller) return false;  // a later click won
      var next = new DOMParser().parseFromString(text, "text/html");
      var page = next.getElementById("page");
      if (!page || !doc.getElementById("page") || assetsVersion(next) !== assetsVersion(doc)) {
        location.assign(finalUrl.href);
        return false;
      }
      if (opts.push) {
        rememberScroll();
        history.pushState({ tunecamp: 1, scroll: 0 }, "", finalUrl.href);
      } else if (opts.replace) {
        history.replaceState(Object.assign({}, history.state, { tunecamp: 1 }), "", finalUrl.href);
      }
      swap(next, page);
      shownUrl = finalUrl.href.split("#")[0];
      inFlight = null;
      root.classList.remove("is-loading");
      var target = url.hash.length > 1 ? doc.getElementById(decodeURIComponent(url.hash.slice(1))) : null;
      if (typeof opts.scroll === "number") window.scrollTo(0, opts.scroll);
      else if (target) target.scrollIntoView();
      else window.scrollTo(0, 0);
      // Screen readers start reading the new page, as after a real load.
      var main = doc.getElementById("main");
      if (main && !opts.keepFocus) main.focus({ preventScroll: true });
      doc.dispatchEvent(new CustomEvent("tunecamp:page", { detail: { url: location.href } }));
      return true;
    }).catch(function (err) {
      if (err && err.name === "AbortError") return false;
      root.classList.remove("is-loading");
      location.assign(url.href);
      return false;
    });
  }

  api.navigate = function (href) { return navigate(href, { push: true }); };
  api.reload = function () {
    return navigate(location.href, { replace: true, scroll: window.scrollY, keepFocus: true });
  };

  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  try { history.replaceState(Object.assign({}, history.state, { tunecamp: 1 }), ""); } catch (e) { /* ignore */ }

  doc.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var a = e.target instanceof Element ? e.target.closest("a[href]") : null;
    if (!a || !(a instanceof HTMLAnchorElement)) return;
    if ((a.target && a.target !== "_self") || a.hasAttribute("download") || a.hasAttribute("data-no-swap")) return;
    if (/\bexternal\b/.test(a.getAttribute("rel") || "")) return;
    var url = new URL(a.href, location.href);
    if (!isPage(url)) return;
    if (url.href.split("#")[0] === shownUrl && url.hash) return;  // an anchor on this page
    e.preventDefault();
    navigate(url.href, { push: true });
  });

  doc.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") return;
    if (form.target && form.target !== "_self") return;
    var url = new URL(form.getAttribute("action") || location.href, location.href);
    if (!isPage(url)) return;
    url.search = new URLSearchParams(new FormData(form)).toString();
    e.preventDefault();
    navigate(url.href, { push: true });
  });

  window.addEventListener("popstate", function (e) {
    if (location.href.split("#")[0] === shownUrl) return;  // only the hash moved: hashchange handles it
    var scroll = e.state && typeof e.state.scroll === "number" ? e.state.scroll : 0;
    navigate(location.href, { scroll: scroll });
  });
})();
