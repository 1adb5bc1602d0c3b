/* TuneCamp live reload: served only by the preview server while it watches content/.

   The server's event stream says when a build finished. A published build re-renders the
   page (through the theme's window.TuneCamp.reload(), which keeps the music playing and the
   scroll position; else a plain reload, which browsers restore the scroll of). A failed build
   shows an overlay naming the file and key of each error; the site stays the last good one,
   and the next good build clears it. The page's build version travels in data-version, so a
   page built before a rebuild it missed (it was still loading) reloads when it connects. */
(function () {
  "use strict";

  var me = document.currentScript;
  if (!me || !window.EventSource || !window.JSON) return;
  var OVERLAY_ID = "tunecamp-build-problems";
  var version = Number(me.getAttribute("data-version"));
  var source = new EventSource(me.getAttribute("data-events"));

  function clear() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.parentNode.removeChild(old);
  }

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;  // problem messages are text, never markup
    Object.assign(node.style, style || {});
    return node;
  }

  function show(problems) {
    clear();
    var box = el("div", "", {
      position: "fixed", left: "0", right: "0", top: "0", zIndex: "2147483647", maxHeight: "60vh",
      overflow: "auto", boxSizing: "border-box", padding: "1rem 1.25rem", margin: "0",
      background: "#2b0d0d", color: "#fde8e8", borderBottom: "3px solid #e5484d",
      font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", textAlign: "left"
    });
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    var close = el("button", "\u00d7", {
      float: "right", font: "inherit", fontSize: "20px", lineHeight: "1", color: "inherit",
      background: "none", border: "0", cursor: "pointer", padding: "0 .25rem"
    });
    close.type = "button";
    close.setAttribute("aria-label", "Hide until the next build");
    close.addEventListener("click", clear);
    box.appendChild(close);
    box.appendChild(el("strong", "The build failed \u2014 this is still the last good site. Fix and save:", {
      display: "block", marginBottom: ".5rem", font: "inherit", fontWeight: "bold"
    }));
    var list = el("ul", "", { margin: "0", padding: "0 0 0 1.25rem", listStyle: "disc" });
    (problems || []).forEach(function (p) {
      var item = el("li", "", { margin: ".25rem 0" });
      var where = (p.path || "") + (p.key ? " [" + p.key + "]" : "");
      if (where) {
        var file = el("span", where, { color: "#ffb4b4", fontWeight: "bold" });
        file.className = "tunecamp-problem-where";
        item.appendChild(file);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(p.message || ""));
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  function reload(next) {
    version = next;
    clear();
    var api = window.TuneCamp;
    if (api && typeof api.reload === "function") api.reload();
    else location.reload();
  }

  function on(name, handle) {
    source.addEventListener(name, function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data && typeof data.version === "number") handle(data);
    });
  }

  on("status", function (s) {  // on every (re)connection: catch up with what was missed
    if (s.version !== version) reload(s.version);
    if (s.problems) show(s.problems);
    else if (s.version === version) clear();
  });
  on("reload", function (s) { reload(s.version); });
  on("build-error", function (s) {
    if (s.version !== version) reload(s.version);  // a first site, published with its problems
    show(s.problems);
  });
})();
