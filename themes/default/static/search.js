/* TuneCamp search: filters search.json in the browser. Runs on the search page, on load
   and after player.js swaps pages in (the `tunecamp:page` event). */
(function () {
  "use strict";

  var cache = {};
  var T = window.TuneCamp;
  // the kinds' names are read when a result is shown, in the page's language
  var KINDS = { a: function () { return T.t("Artist"); }, r: function () { return T.t("Release"); },
    t: function () { return T.t("Track"); }, g: function () { return T.t("Tag"); } };
  var ORDER = { a: 0, r: 1, t: 2, g: 3 };
  var LIMIT = 60;

  var fold = T.fold;

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          var items = Array.isArray(data.items) ? data.items : [];
          return items.map(function (it) {
            var image = typeof it[4] === "number" && items[it[4]] ? items[it[4]][4] : it[4];
            return { kind: it[0], title: String(it[1] || ""), sub: String(it[2] || ""), url: String(it[3] || ""),
              image: typeof image === "string" ? image : "", titleKey: fold(it[1]), key: fold(it[1] + " " + it[2]) };
          });
        });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function search(items, query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    var phrase = words.join(" ");
    var hits = [];
    for (var i = 0; i < items.length; i++) {
      var it = items[i], ok = true;
      for (var w = 0; w < words.length && ok; w++) ok = it.key.indexOf(words[w]) >= 0;
      if (!ok) continue;
      var score = it.titleKey === phrase ? 0 : it.titleKey.indexOf(phrase) === 0 ? 1 : it.titleKey.indexOf(phrase) >= 0 ? 2 : 3;
      hits.push({ it: it, score: score * 10 + ORDER[it.kind] });
    }
    hits.sort(function (a, b) { return a.score - b.score || a.it.title.localeCompare(b.it.title); });
    return hits.map(function (h) { return h.it; });
  }

  function render(list, results) {
    var frag = document.createDocumentFragment();
    results.slice(0, LIMIT).forEach(function (it) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = it.url;
      if (it.image) {
        var img = document.createElement("img");
        img.src = it.image;
        img.alt = "";
        img.loading = "lazy";
        img.width = 48;
        img.height = 48;
        a.appendChild(img);
      } else {
        var icon = document.createElement("span");
        icon.className = "result-icon";
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = it.kind === "g" ? "#" : "♪";
        a.appendChild(icon);
      }
      var text = document.createElement("span");
      var title = document.createElement("span");
      title.className = "result-title";
      title.dir = "auto";
      title.textContent = it.title;
      var sub = document.createElement("span");
      sub.className = "result-sub";
      sub.dir = "auto";
      sub.textContent = it.sub;
      text.appendChild(title);
      text.appendChild(sub);
      a.appendChild(text);
      var kind = document.createElement("span");
      kind.className = "result-kind";
      kind.textContent = KINDS[it.kind] ? KINDS[it.kind]() : "";
      a.appendChild(kind);
      li.appendChild(a);
      frag.appendChild(li);
    });
    list.textContent = "";
    list.appendChild(frag);
  }

  function init() {
    var form = document.getElementById("search-page-form");
    if (!form || form.hasAttribute("data-ready")) return;
    form.setAttribute("data-ready", "");
    var input = form.querySelector('input[name="q"]');
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    input.value = new URLSearchParams(location.search).get("q") || "";
    var timer = null;

    function run(items) {
      var q = input.value.trim();
      var results = search(items, q);
      render(list, results);
      status.textContent = !q ? "" : results.length === 0 ? T.t("Nothing found for “%(query)s”.", { query: q })
        : results.length > LIMIT ? T.tn("%(num)s result for “%(query)s”, showing the first %(limit)s.",
          "%(num)s results for “%(query)s”, showing the first %(limit)s.", results.length, { query: q, limit: LIMIT })
        : T.tn("%(num)s result for “%(query)s”.", "%(num)s results for “%(query)s”.", results.length, { query: q });
      var url = new URL(location.href);
      if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
      if (url.href !== location.href) history.replaceState(history.state, "", url.href);
    }

    load(form.getAttribute("data-index")).then(function (items) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { run(items); }, 120);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); run(items); });
      run(items);
    }, function () {
      status.textContent = T.t("The search index could not be loaded.");
    });
    // The submit listener above is added once the index is in; until then keep the page.
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }

  T.whenMessages(init);
  document.addEventListener("tunecamp:page", init);
})();
