// The chat panel: talks to the daemon's chat (docs/community.md) from the static pages.
//
// Pages that have a room (an artist's page and their releases) carry a hidden marker,
// <div data-chat-room data-chat-daemon data-chat-title>, inside #page. The panel itself is built
// once, outside #page, so the player's page changes (nav.js swaps #page) leave it and its
// connection alone: on `tunecamp:page` it moves to the new page's room, or stays where it is on a
// page without one. It shows itself only once the daemon answered, and hides again when the
// daemon cannot be reached. Messages are set as text (textContent), never as HTML; http(s)
// links in them become links with rel="noopener nofollow ugc".
(() => {
  "use strict";
  const doc = document;
  const t = (message, vars) => window.TuneCamp.t(message, vars);
  const MAX_SHOWN = 300;
  const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/g;
  const chat = {
    daemon: "", room: "", title: "", ws: null, lastId: 0, firstId: 0, more: false,
    retry: 1000, failures: 0, joined: false, canPost: false, banned: false, panel: null, timer: 0,
  };

  function marker() { return doc.querySelector("#page [data-chat-room]"); }

  function el(tag, attrs, text) {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function build() {
    const panel = el("section", { id: "chat", class: "chat", "aria-labelledby": "chat-heading", hidden: "" });
    const head = el("h2", { id: "chat-heading", class: "chat-head" });
    const toggle = el("button", { type: "button", class: "chat-toggle", "aria-expanded": "false", "aria-controls": "chat-body", "data-chat-toggle": "" });
    toggle.append(el("span", {}, t("Chat")), el("span", { class: "chat-room", "data-chat-title": "" }));
    head.append(toggle);
    const body = el("div", { id: "chat-body", class: "chat-body", hidden: "" });
    const older = el("button", { type: "button", class: "chat-older", "data-chat-older": "", hidden: "" }, t("Earlier messages"));
    const scroller = el("div", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": t("Messages"), tabindex: "0", "data-chat-scroll": "" });
    const log = el("ol", { class: "chat-list", "data-chat-log": "" });
    scroller.append(log);
    const status = el("p", { class: "chat-status", role: "status", "data-chat-status": "" });
    const form = el("form", { class: "chat-form", "data-chat-form": "", hidden: "" });
    const label = el("label", { for: "chat-input", class: "visually-hidden" }, t("Your message"));
    const input = el("textarea", { id: "chat-input", rows: "2", "data-chat-input": "", "aria-describedby": "chat-hint" });
    const hint = el("span", { id: "chat-hint", class: "visually-hidden" }, t("Enter sends, Shift+Enter starts a new line."));
    form.append(label, input, hint, el("button", { type: "submit", class: "btn btn-primary" }, t("Send")));
    const signIn = el("p", { class: "chat-signin muted", "data-chat-signin": "", hidden: "" });
    body.append(older, scroller, status, form, signIn);
    panel.append(head, body);
    doc.body.append(panel);

    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    older.addEventListener("click", () => send({ type: "history", room: chat.room, before: chat.firstId }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      if (send({ type: "message", room: chat.room, text })) input.value = "";
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    log.addEventListener("click", (e) => {
      const button = e.target instanceof Element ? e.target.closest("[data-chat-report]") : null;
      if (!button) return;
      send({ type: "report", id: Number(button.closest("[data-id]").dataset.id), reason: "" });
      button.disabled = true;
    });
    let open = false;
    try { open = sessionStorage.getItem("tunecamp-chat-open") === "1"; } catch (_) { /* private mode */ }
    chat.panel = panel;
    setOpen(open);
  }

  function part(name) { return chat.panel.querySelector(`[data-chat-${name}]`); }

  function setOpen(open) {
    part("toggle").setAttribute("aria-expanded", String(open));
    part("toggle").parentElement.nextElementSibling.hidden = !open;
    chat.panel.classList.toggle("is-open", open);
    try { sessionStorage.setItem("tunecamp-chat-open", open ? "1" : "0"); } catch (_) { /* private mode */ }
  }

  function say(text) { part("status").textContent = text; }

  function send(frame) {
    if (!chat.ws || chat.ws.readyState !== WebSocket.OPEN) { say(t("Not connected; trying again…")); return false; }
    chat.ws.send(JSON.stringify(frame));
    return true;
  }

  // The text as nodes: plain text, and http(s) links that cannot be anything else.
  function textNodes(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      let href = match[0].replace(/[.,;:!?)\]]+$/, "");
      let url = null;
      try { url = new URL(href); } catch (_) { url = null; }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
      nodes.push(doc.createTextNode(text.slice(last, match.index)));
      const a = el("a", { href: url.href, rel: "noopener nofollow ugc", target: "_blank" }, href);
      nodes.push(a);
      last = match.index + href.length;
    }
    nodes.push(doc.createTextNode(text.slice(last)));
    return nodes;
  }

  function item(m) {
    const li = el("li", { class: "chat-message", "data-id": String(m.id) });
    const who = el("span", { class: "chat-user" + (m.guest ? " is-guest" : "") }, m.user);
    const body = el("span", { class: "chat-text", dir: "auto" });
    body.append(...textNodes(m.text));
    const when = new Date(m.at);
    const time = el("time", { datetime: m.at, class: "chat-time" }, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    li.append(who, el("span", { class: "visually-hidden" }, ": "), body, time);
    if (chat.canPost) {
      li.append(el("button", { type: "button", class: "chat-report btn-link", "data-chat-report": "", "aria-label": t("Report the message from %(user)s", { user: m.user }) }, t("Report")));
    }
    return li;
  }

  // Messages stay in id order, each once: a join's history may cross a message sent meanwhile.
  function add(messages) {
    const log = part("log");
    const scroller = part("scroll");
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    let appended = false;
    for (const m of messages) {
      if (log.querySelector(`[data-id="${Number(m.id)}"]`)) continue;
      let after = log.lastElementChild;
      while (after && Number(after.dataset.id) > m.id) after = after.previousElementSibling;
      if (after) after.after(item(m));
      else log.prepend(item(m));
      if (Number(log.lastElementChild.dataset.id) === m.id) appended = true;
      chat.lastId = Math.max(chat.lastId, m.id);
    }
    while (log.children.length > MAX_SHOWN) log.removeChild(appended ? log.firstElementChild : log.lastElementChild);
    const first = log.firstElementChild;
    chat.firstId = first ? Number(first.dataset.id) : 0;
    if (appended && atBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  function onFrame(data) {
    if (data.type === "joined") {
      chat.joined = true;
      chat.canPost = !!data.can_post;
      part("form").hidden = !chat.canPost;
      part("input").maxLength = data.max_length || 500;
      const signIn = part("signin");
      signIn.hidden = chat.canPost;
      if (!chat.canPost) {
        signIn.replaceChildren(el("a", { href: `${chat.daemon}/admin/login`, "data-no-swap": "" }, t("Sign in")), doc.createTextNode(" " + t("to talk.")));
      }
      chat.panel.hidden = false;
      say("");
    } else if (data.type === "history") {
      add(data.messages);
      if (data.direction === "older") part("older").hidden = !data.more;
      if (data.direction === "newer" && data.more) send({ type: "history", room: chat.room, after: chat.lastId });
    } else if (data.type === "message" && data.room === chat.room) {
      add([data]);
    } else if (data.type === "deleted") {
      const gone = part("log").querySelector(`[data-id="${Number(data.id)}"]`);
      if (gone) gone.remove();
    } else if (data.type === "reported") {
      say(t("Thank you: the moderators will look at it."));
    } else if (data.type === "error") {
      // refused at the join: this instance lets only accounts read; a signed-out visitor sees nothing
      if (data.reason === "sign_in" && !chat.joined) { chat.panel.hidden = true; return; }
      if (data.reason === "banned") chat.banned = true;  // the daemon closes the socket: no reconnecting
      say(data.message || data.reason);
    }
  }

  function connect() {
    clearTimeout(chat.timer);
    const url = new URL("api/chat/ws", chat.daemon.replace(/\/?$/, "/"));
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try { ws = new WebSocket(url.href); } catch (_) { retryLater(); return; }
    chat.ws = ws;
    ws.addEventListener("open", () => {
      chat.joined = false;
      chat.retry = 1000;
      chat.failures = 0;
      ws.send(JSON.stringify({ type: "join", room: chat.room, ...(chat.lastId ? { since: chat.lastId } : {}) }));
    });
    ws.addEventListener("message", (e) => {
      try { onFrame(JSON.parse(e.data)); } catch (_) { /* a frame we do not understand */ }
    });
    ws.addEventListener("close", () => {
      if (chat.ws !== ws) return;
      chat.ws = null;
      if (!chat.banned) retryLater();
    });
  }

  function retryLater() {
    chat.failures += 1;
    // a lost connection is said once; the daemon unreachable hides the panel, the site works on
    if (chat.failures >= 2) chat.panel.hidden = true;
    else say(t("Connection lost; reconnecting…"));
    chat.timer = setTimeout(connect, chat.retry);
    chat.retry = Math.min(chat.retry * 2, 60000);
  }

  function enter(room, title, daemon) {
    part("title").textContent = title ? ` · ${title}` : "";
    if (room === chat.room && daemon === chat.daemon) return;
    const changed = chat.room !== "";
    chat.room = room;
    chat.daemon = daemon;
    chat.lastId = 0;
    chat.firstId = 0;
    part("log").replaceChildren();
    chat.joined = false;
    if (changed && chat.ws && chat.ws.readyState === WebSocket.OPEN) send({ type: "join", room });
    else if (!chat.ws) connect();
  }

  function onPage() {
    const m = marker();
    if (!m) return;  // a page without a room: the panel stays in the one it has
    if (!chat.panel) build();
    enter(m.dataset.chatRoom, m.dataset.chatTitle || "", m.dataset.chatDaemon.replace(/\/$/, ""));
  }

  if (!("WebSocket" in window)) return;
  doc.addEventListener("tunecamp:page", onPage);
  window.TuneCamp.whenMessages(onPage);
})();
