/* "Live now" on an artist's page: asks the daemon whether the artist is live, and plays the
   broadcast (HLS) in the page's <audio>, natively where the browser can, else with hls.js (vendored,
   loaded only then). Hidden when the artist is not live or the daemon cannot be reached; the
   <noscript> link to the playlist is for the rest. Boxes are [data-live] with data-daemon (the
   daemon's URL, "" for the daemon's own page), data-artist and data-hls (the hls.js file).
   Pages swapped in by nav.js are scanned again (tunecamp:page). */
(function () {
  "use strict";

  // i18n.js comes first on the theme's pages and the daemon's live page; without it, English
  var T = window.TuneCamp && window.TuneCamp.t ? window.TuneCamp : {
    t: function (m) { return m; },
    tn: function (one, many, n) { return (n === 1 ? one : many).replace("%(num)s", String(n)); }
  };
  var IDLE = 20000; // ms between looks while the artist is off air
  var PLAYING = 10000; // ... while playing (the listener count)
  var STARTING = 2000; // ... while live but without segments enough to start
  var hlsLoading = null;

  function listenerId() {
    var id = null;
    try { id = sessionStorage.getItem("tunecamp:listener"); } catch (_) { /* private mode */ }
    if (!id) {
      var bytes = new Uint8Array(12);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      try { sessionStorage.setItem("tunecamp:listener", id); } catch (_) { /* private mode */ }
    }
    return id;
  }

  function loadHls(src) {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Hls || null); };
        script.onerror = function () { hlsLoading = null; resolve(null); };
        document.head.appendChild(script);
      });
    }
    return hlsLoading;
  }

  function setup(box) {
    if (box.dataset.liveBound) return;
    box.dataset.liveBound = "1";
    var daemon = (box.dataset.daemon || "").replace(/\/$/, "");
    var audio = box.querySelector("[data-live-audio]");
    var title = box.querySelector("[data-live-title]");
    var count = box.querySelector("[data-live-listeners]");
    var off = document.querySelector("[data-live-off]");
    var session = null;
    var hls = null;
    var timer = null;
    var watched = -1; // the playing audio's currentTime at the last look
    var resume = false; // play again once attached afresh: it was playing when it failed
    if (audio) audio.addEventListener("error", function () { if (audio.getAttribute("src")) retry(); });

    function detach() {
      if (hls) { hls.destroy(); hls = null; }
      if (audio && audio.getAttribute("src")) { audio.pause(); audio.removeAttribute("src"); audio.load(); }
      session = null;
    }

    function attach(url) {
      if (!audio) return;
      var play = resume;
      resume = false;
      if (audio.canPlayType("application/vnd.apple.mpegurl")) {
        audio.src = url;
        if (play) audio.play().catch(function () {});
        return;
      }
      loadHls(box.dataset.hls).then(function (Hls) {
        if (!Hls || !Hls.isSupported()) { audio.replaceWith(link(url)); return; }
        hls = new Hls({ liveSyncDurationCount: 2 });
        hls.on(Hls.Events.ERROR, function (_, data) { if (data.fatal) retry(); });
        hls.loadSource(url);
        hls.attachMedia(audio);
        if (play) audio.play().catch(function () {});
      });
    }

    // A player that failed (a playlist or segment it could not fetch, a server restart) does not
    // try again by itself: start it afresh from the next look at the status. So does one stuck
    // for a whole look while it should be playing (a segment that never came).
    function retry() {
      if (!session) return;
      var playing = !audio.paused;
      detach();
      resume = playing;
      again(STARTING);
    }

    function stuck() {
      if (!session || !audio || audio.paused || audio.readyState > 2) { watched = -1; return false; }
      var was = watched;
      watched = audio.currentTime;
      return was === audio.currentTime;
    }

    function link(url) {
      var a = document.createElement("a");
      a.href = url;
      a.textContent = T.t("Open the stream in your player");
      return a;
    }

    function show(status) {
      box.hidden = !status.live;
      if (off) off.hidden = !!status.live;
      if (!status.live) { detach(); return; }
      title.textContent = status.title;
      count.textContent = T.tn("%(num)s listener", "%(num)s listeners", status.listeners);
      if (session === status.id && stuck()) { retry(); return; }
      // a player handed a playlist without segments yet may give up on it: wait for two
      if (session !== status.id && status.segments >= 2) {
        detach();
        session = status.id;
        attach(status.playlist + "?listener=" + listenerId());
      }
    }

    function again(ms) {
      clearTimeout(timer);
      timer = setTimeout(poll, ms);
    }

    function poll() {
      if (!document.documentElement.contains(box)) { detach(); return; } // swapped away
      fetch(daemon + "/api/live/status?artist=" + encodeURIComponent(box.dataset.artist), { cache: "no-store" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(show)
        .catch(function () { box.hidden = true; })
        .then(function () { again(session ? PLAYING : box.hidden ? IDLE : STARTING); });
    }
    poll();
  }

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  document.addEventListener("tunecamp:page", scan);
})();
