/* TuneCamp player: one persistent <audio> and player bar that keep playing while the
   listener moves between pages of the static site.

   - The page's tracklists ([data-tracklist] > [data-track]) are the source of truth: the
     queue is built from their data attributes and the <source>s of each row's <audio>.
   - nav.js swaps pages into #page without reloading; the player bar lives outside
     #page and is never touched. After a swap (`tunecamp:page`) the new page's
     controls are bound again.
   - The queue and position are kept in sessionStorage, so a reload resumes.
   - window.TuneCamp.player exposes the player to other scripts.
   No framework, no build step. */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  var bar = doc.getElementById("player");
  if (!bar || !window.HTMLAudioElement) return;

  var audio = bar.querySelector("audio");
  var embed = doc.body.hasAttribute("data-embed");
  var STORE = "tunecamp:player";
  var PREFS = "tunecamp:prefs";
  var SEEK_STEP = 5;

  var el = {
    art: bar.querySelector(".player-art"),
    title: bar.querySelector(".player-title"),
    artist: bar.querySelector(".player-artist"),
    toggle: bar.querySelector('[data-action="toggle"]'),
    prev: bar.querySelector('[data-action="prev"]'),
    next: bar.querySelector('[data-action="next"]'),
    mute: bar.querySelector('[data-action="mute"]'),
    normalise: bar.querySelector('[data-action="normalise"]'),
    volume: bar.querySelector("[data-volume]"),
    current: bar.querySelector('[data-time="current"]'),
    duration: bar.querySelector('[data-time="duration"]'),
    live: bar.querySelector("[data-now-playing]"),
    wave: bar.querySelector('[data-wave="player"]')
  };

  var state = { queue: [], index: -1, pendingSeek: null };
  var prefs = readJSON(localStore(), PREFS) || {};
  if (typeof prefs.volume !== "number") prefs.volume = 1;
  if (typeof prefs.normalise !== "boolean") prefs.normalise = true;
  prefs.muted = !!prefs.muted;

  /* ---------- small helpers ---------- */

  function $$(sel, scope) { return Array.prototype.slice.call((scope || doc).querySelectorAll(sel)); }

  function localStore() { try { return window.localStorage; } catch (e) { return null; } }
  function sessionStore() { try { return window.sessionStorage; } catch (e) { return null; } }
  function readJSON(store, key) {
    try { return store ? JSON.parse(store.getItem(key) || "null") : null; } catch (e) { return null; }
  }
  function writeJSON(store, key, value) {
    try { if (store) store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or disabled */ }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(t, round) {
    if (!isFinite(t) || t < 0) t = 0;
    t = round ? Math.round(t) : Math.floor(t);
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  /* Seconds from 80, 80.5, 1m20s, 1h2m3s, 1:20 or 1:02:03; null otherwise. */
  function parseTime(text) {
    text = String(text || "").trim().toLowerCase();
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(text);
    if (m) return (+m[1] || 0) * 3600 + (+m[2]) * 60 + parseFloat(m[3]);
    m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(text);
    if (m && (m[1] || m[2] || m[3])) return (+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (parseFloat(m[3]) || 0);
    return null;
  }
  function timeFromHash(hash) {
    var m = /(?:^#|&)t=([^&]+)/.exec(hash || "");
    return m ? parseTime(decodeURIComponent(m[1])) : null;
  }

  function decodePeaks(b64) {
    if (!b64) return null;
    try {
      var raw = atob(b64), out = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out.length ? out : null;
    } catch (e) { return null; }
  }

  function absolute(href) { return new URL(href, location.href).href; }

  /* ---------- the queue ---------- */

  function readTracklist(list) {
    return $$("[data-track]", list).map(function (row) {
      var gain = row.getAttribute("data-gain");
      return {
        id: absolute(row.getAttribute("data-url")),
        title: row.getAttribute("data-title") || "",
        artist: row.getAttribute("data-artist") || list.getAttribute("data-artist") || "",
        duration: parseFloat(row.getAttribute("data-duration")) || 0,
        peaks: row.getAttribute("data-peaks") || "",
        gain: gain === "" || gain === null ? null : parseFloat(gain),
        sources: $$("source", row).map(function (s) {
          return { src: absolute(s.getAttribute("src")), type: s.getAttribute("type") || "" };
        }),
        release: list.getAttribute("data-release-title") || "",
        releaseUrl: absolute(list.getAttribute("data-release-url")),
        cover: list.getAttribute("data-cover") ? absolute(list.getAttribute("data-cover")) : ""
      };
    }).filter(function (t) { return t.sources.length > 0; });
  }

  function current() { return state.queue[state.index] || null; }
  function indexOf(id) {
    for (var i = 0; i < state.queue.length; i++) if (state.queue[i].id === id) return i;
    return -1;
  }
  function sameQueue(tracks) {
    if (tracks.length !== state.queue.length) return false;
    for (var i = 0; i < tracks.length; i++) if (tracks[i].id !== state.queue[i].id) return false;
    return true;
  }

  function pickSource(sources) {
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < sources.length; i++) {
        var can = sources[i].type ? audio.canPlayType(sources[i].type) : "maybe";
        if (can === "probably" || (pass === 1 && can === "maybe")) return sources[i].src;
      }
    }
    return sources[0].src;
  }

  function applyVolume() {
    var t = current();
    var factor = 1;
    if (prefs.normalise && t && typeof t.gain === "number" && isFinite(t.gain)) {
      factor = Math.min(1, Math.pow(10, t.gain / 20));
    }
    audio.volume = Math.max(0, Math.min(1, prefs.volume * factor));
    audio.muted = prefs.muted;
  }

  /* Load queue[i]; opts.play starts it, opts.time seeks (before or after metadata). */
  function load(i, opts) {
    opts = opts || {};
    var t = state.queue[i];
    if (!t) return;
    var changed = state.index !== i || audio.getAttribute("data-track") !== t.id;
    state.index = i;
    if (changed) {
      audio.setAttribute("data-track", t.id);
      audio.src = pickSource(t.sources);
      playerWave.setPeaks(decodePeaks(t.peaks));
      announce(t);
    }
    state.pendingSeek = null;
    if (typeof opts.time === "number" && opts.time >= 0) seek(opts.time);
    applyVolume();
    showBar();
    renderBar();
    if (opts.play) play();
    save();
    syncPage();
    mediaSession(t);
  }

  function play() {
    if (!current()) return;
    var p = audio.play();
    if (p && p.catch) p.catch(function () { renderBar(); syncPage(); });
  }
  function pause() { audio.pause(); }
  function toggle() { if (audio.paused) play(); else pause(); }
  function next() { if (state.index < state.queue.length - 1) load(state.index + 1, { play: true }); }
  function prev() {
    if (audio.currentTime > 3 || state.index === 0) seek(0);
    else load(state.index - 1, { play: true });
  }
  function duration() {
    var t = current();
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : (t ? t.duration : 0);
  }
  function position() { return state.pendingSeek !== null ? state.pendingSeek : audio.currentTime || 0; }
  function seek(time) {
    var d = duration();
    time = Math.max(0, d ? Math.min(time, d - 0.05) : time);
    if (audio.readyState < 1) {
      state.pendingSeek = time;
      if (audio.preload === "none") audio.preload = "metadata";
      audio.load();
    } else {
      audio.currentTime = time;
    }
    renderTime();
    save();
  }

  /* Start the tracklist `list` at the row whose id is `id` (toggle if it is already playing). */
  function playFrom(list, id, time) {
    var tracks = readTracklist(list);
    if (!tracks.length) return;
    if (!id) id = tracks[0].id;
    var cur = current();
    if (cur && cur.id === id && sameQueue(tracks) && typeof time !== "number") { toggle(); return; }
    if (!sameQueue(tracks)) { state.queue = tracks; state.index = -1; }
    var i = indexOf(id);
    load(i < 0 ? 0 : i, { play: true, time: time });
  }

  /* ---------- the bar ---------- */

  function showBar() {
    if (bar.hidden) {
      bar.hidden = false;
      root.classList.add("has-player");
      playerWave.resize();
    }
  }

  function renderBar() {
    var t = current();
    if (!t) return;
    el.title.textContent = t.title || window.TuneCamp.t("Untitled");
    el.title.setAttribute("href", t.id);
    el.artist.textContent = t.artist + (t.release ? " — " + t.release : "");
    el.art.setAttribute("href", t.releaseUrl || t.id);
    var img = el.art.querySelector("img");
    if (t.cover) {
      if (!img) {
        img = doc.createElement("img");
        img.alt = "";
        img.width = 56;
        img.height = 56;
        el.art.textContent = "";
        el.art.appendChild(img);
      }
      if (img.getAttribute("src") !== t.cover) img.setAttribute("src", t.cover);
    }
    var playing = !audio.paused;
    el.toggle.classList.toggle("is-playing", playing);
    el.toggle.setAttribute("aria-label", playing ? window.TuneCamp.t("Pause") : window.TuneCamp.t("Play"));
    el.prev.disabled = state.index <= 0 && position() < 3;
    el.next.disabled = state.index >= state.queue.length - 1;
    el.mute.classList.toggle("is-muted", prefs.muted);
    el.mute.setAttribute("aria-pressed", String(prefs.muted));
    el.mute.setAttribute("aria-label", window.TuneCamp.t("Mute"));
    el.normalise.setAttribute("aria-pressed", String(prefs.normalise));
    el.volume.value = String(Math.round(prefs.volume * 100));
    renderTime();
  }

  function renderTime() {
    var d = duration(), p = position();
    el.current.textContent = clock(p);
    el.duration.textContent = clock(d, true);
    el.wave.setAttribute("aria-valuemax", String(Math.round(d)));
    el.wave.setAttribute("aria-valuenow", String(Math.round(p)));
    el.wave.setAttribute("aria-valuetext", window.TuneCamp.t("%(position)s of %(duration)s", { position: clock(p), duration: clock(d, true) }));
    playerWave.draw(d ? p / d : 0);
    pageWaves.forEach(function (w) { w.sync(); });
    syncLyrics(p);
  }

  function announce(t) {
    el.live.textContent = t.artist
      ? window.TuneCamp.t("Now playing: %(title)s by %(artist)s", { title: t.title, artist: t.artist })
      : window.TuneCamp.t("Now playing: %(title)s", { title: t.title });
  }

  function mediaSession(t) {
    if (!("mediaSession" in navigator) || !window.MediaMetadata) return;
    try {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: t.title, artist: t.artist, album: t.release,
        artwork: t.cover ? [{ src: t.cover }] : []
      });
      navigator.mediaSession.setActionHandler("play", play);
      navigator.mediaSession.setActionHandler("pause", pause);
      navigator.mediaSession.setActionHandler("previoustrack", prev);
      navigator.mediaSession.setActionHandler("nexttrack", next);
      navigator.mediaSession.setActionHandler("seekto", function (d) { seek(d.seekTime); });
    } catch (e) { /* an older browser without some actions */ }
  }

  /* ---------- waveforms ---------- */

  /* A canvas drawing peaks (or a plain bar without them) with the played part in the accent colour. */
  function Wave(container) {
    this.box = container;
    this.canvas = container.querySelector("canvas");
    this.peaks = null;
    this.fraction = 0;
    this.lastKey = "";
  }
  Wave.prototype.setPeaks = function (peaks) { this.peaks = peaks; this.lastKey = ""; this.draw(this.fraction); };
  Wave.prototype.resize = function () {
    var ratio = window.devicePixelRatio || 1;
    var w = Math.round(this.box.clientWidth * ratio), h = Math.round(this.box.clientHeight * ratio);
    if (w && h && (this.canvas.width !== w || this.canvas.height !== h)) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.lastKey = "";
    this.draw(this.fraction);
  };
  Wave.prototype.draw = function (fraction) {
    this.fraction = fraction = Math.max(0, Math.min(1, fraction || 0));
    var c = this.canvas, ctx = c.getContext && c.getContext("2d");
    if (!ctx || !c.width || !c.height) return;
    var ratio = window.devicePixelRatio || 1;
    var barW = Math.max(1, Math.round(2 * ratio)), gap = Math.max(1, Math.round(1 * ratio));
    var step = barW + gap, bars = Math.max(1, Math.floor(c.width / step));
    var played = Math.round(fraction * bars);
    var key = played + "/" + bars + "/" + c.width;
    if (key === this.lastKey) return;
    this.lastKey = key;
    var style = getComputedStyle(this.box);
    var base = style.getPropertyValue("--wave").trim() || "#999";
    var done = style.getPropertyValue("--wave-played").trim() || style.getPropertyValue("--accent").trim() || "#0a7";
    ctx.clearRect(0, 0, c.width, c.height);
    if (!this.peaks) {
      var line = Math.max(2, Math.round(4 * ratio)), y = Math.round((c.height - line) / 2);
      ctx.fillStyle = base;
      ctx.fillRect(0, y, c.width, line);
      ctx.fillStyle = done;
      ctx.fillRect(0, y, Math.round(fraction * c.width), line);
      return;
    }
    var peaks = this.peaks, n = peaks.length, mid = c.height / 2;
    for (var i = 0; i < bars; i++) {
      var from = Math.floor(i * n / bars), to = Math.max(from + 1, Math.floor((i + 1) * n / bars)), v = 0;
      for (var j = from; j < to && j < n; j++) if (peaks[j] > v) v = peaks[j];
      var h = Math.max(ratio * 2, (v / 255) * c.height * 0.95);
      ctx.fillStyle = i < played ? done : base;
      ctx.fillRect(i * step, Math.round(mid - h / 2), barW, Math.round(h));
    }
  };
  Wave.prototype.fractionAt = function (clientX) {
    var r = this.box.getBoundingClientRect();
    return r.width ? Math.max(0, Math.min(1, (clientX - r.left) / r.width)) : 0;
  };

  /* Pointer and keyboard seeking on a wave; onSeek(fraction|null, deltaSeconds|null, done). */
  function bindSeeking(box, wave, onSeek) {
    var dragging = false;
    box.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      dragging = true;
      try { box.setPointerCapture(e.pointerId); } catch (err) { /* synthetic event */ }
      wave.draw(wave.fractionAt(e.clientX));
      e.preventDefault();
      box.focus({ preventScroll: true });
    });
    box.addEventListener("pointermove", function (e) {
      if (dragging) { wave.lastKey = ""; wave.draw(wave.fractionAt(e.clientX)); }
    });
    function finish(e) {
      if (!dragging) return;
      dragging = false;
      onSeek(wave.fractionAt(e.clientX), null);
    }
    box.addEventListener("pointerup", finish);
    box.addEventListener("pointercancel", function () { dragging = false; renderTime(); });
    box.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      var delta = { ArrowLeft: -SEEK_STEP, ArrowDown: -SEEK_STEP, ArrowRight: SEEK_STEP, ArrowUp: SEEK_STEP,
        PageDown: -30, PageUp: 30 }[e.key];
      if (delta !== undefined) { onSeek(null, delta); e.preventDefault(); }
      else if (e.key === "Home") { onSeek(0, null); e.preventDefault(); }
      else if (e.key === "End") { onSeek(0.999, null); e.preventDefault(); }
    });
  }

  var playerWave = new Wave(el.wave);
  bindSeeking(el.wave, playerWave, function (fraction, delta) {
    if (!current()) return;
    if (delta !== null) seek(position() + delta);
    else seek(fraction * duration());
  });

  /* A track page's own waveform: seeks when its track is playing, starts it otherwise. */
  var pageWaves = [];
  function PageWave(box) {
    var self = this;
    this.box = box;
    this.id = absolute(box.getAttribute("data-wave"));
    this.total = parseFloat(box.getAttribute("data-duration")) || 0;
    this.wave = new Wave(box);
    this.wave.peaks = decodePeaks(box.getAttribute("data-peaks"));
    bindSeeking(box, this.wave, function (fraction, delta) {
      var cur = current();
      if (cur && cur.id === self.id) {
        if (delta !== null) seek(position() + delta);
        else seek(fraction * duration());
        return;
      }
      var list = tracklistWith(self.id);
      if (list) playFrom(list, self.id, delta !== null ? Math.max(0, delta) : fraction * self.total);
    });
  }
  PageWave.prototype.sync = function () {
    var cur = current(), mine = cur && cur.id === this.id;
    var d = mine ? duration() : this.total, p = mine ? position() : 0;
    this.box.setAttribute("aria-valuenow", String(Math.round(p)));
    this.box.setAttribute("aria-valuetext", clock(p) + " of " + clock(d, true));
    this.wave.draw(d ? p / d : 0);
  };

  /* ---------- the page: tracklists, buttons, lyrics, timecodes ---------- */

  function tracklistWith(id) {
    var lists = $$("[data-tracklist]");
    for (var i = 0; i < lists.length; i++) {
      var rows = $$("[data-track]", lists[i]);
      for (var j = 0; j < rows.length; j++) if (absolute(rows[j].getAttribute("data-url")) === id) return lists[i];
    }
    return null;
  }

  /* Reflect the player in the page: current row, play/pause labels. */
  function syncPage() {
    var cur = current(), playing = !audio.paused && !!cur;
    $$("[data-track]").forEach(function (row) {
      var id = absolute(row.getAttribute("data-url"));
      var isCur = !!cur && cur.id === id;
      row.classList.toggle("is-current", isCur);
      var btn = row.querySelector("[data-play]");
      if (btn) {
        btn.classList.toggle("is-playing", isCur && playing);
        btn.setAttribute("aria-label", (isCur && playing ? window.TuneCamp.t("Pause %(title)s", { title: row.getAttribute("data-title") }) : window.TuneCamp.t("Play %(title)s", { title: row.getAttribute("data-title") })));
      }
    });
    $$("[data-play-release]").forEach(function (btn) {
      var list = pageTracklist(btn);
      var mine = !!list && !!cur && cur.releaseUrl === absolute(list.getAttribute("data-release-url"));
      btn.classList.toggle("is-playing", mine && playing);
      var label = btn.querySelector("span");
      if (label) label.textContent = mine && playing ? window.TuneCamp.t("Pause") : window.TuneCamp.t("Play");
      btn.setAttribute("aria-label", (mine && playing ? window.TuneCamp.t("Pause %(title)s", { title: list ? list.getAttribute("data-release-title") : "" }) : window.TuneCamp.t("Play %(title)s", { title: list ? list.getAttribute("data-release-title") : "" })));
    });
    $$("[data-play-track]").forEach(function (btn) {
      var mine = !!cur && cur.id === absolute(btn.getAttribute("data-play-track"));
      btn.classList.toggle("is-playing", mine && playing);
      var row = $$("[data-track]").filter(function (r) { return absolute(r.getAttribute("data-url")) === absolute(btn.getAttribute("data-play-track")); })[0];
      var title = row ? row.getAttribute("data-title") : "";
      btn.setAttribute("aria-label", (mine && playing ? window.TuneCamp.t("Pause %(title)s", { title: title }) : window.TuneCamp.t("Play %(title)s", { title: title })));
    });
  }

  function pageTracklist(node) {
    var scope = node.closest("article, main, body") || doc;
    return scope.querySelector("[data-tracklist]");
  }

  var lyrics = { list: null, id: "", lines: [], currentLine: -1 };
  function bindLyrics() {
    var list = doc.querySelector("[data-lyrics]");
    lyrics.list = list;
    lyrics.currentLine = -1;
    lyrics.id = list ? absolute(list.getAttribute("data-lyrics")) : "";
    lyrics.lines = list ? $$("li[data-start]", list).map(function (li) {
      // word timings (enhanced LRC, TTML): each word lights up as it is sung
      var words = $$("[data-w]", li).map(function (w) {
        return { el: w, start: parseFloat(w.getAttribute("data-w")) || 0 };
      });
      return { li: li, start: parseFloat(li.getAttribute("data-start")) || 0, words: words };
    }) : [];
  }
  function syncWords(line, time) {
    for (var i = 0; i < line.words.length; i++) {
      line.words[i].el.classList.toggle("is-sung", time !== null && line.words[i].start <= time + 0.05);
    }
  }
  function syncLyrics(time) {
    if (!lyrics.list) return;
    var cur = current(), idx = -1;
    if (cur && cur.id === lyrics.id) {
      for (var i = 0; i < lyrics.lines.length; i++) if (lyrics.lines[i].start <= time + 0.15) idx = i;
    }
    if (idx >= 0) syncWords(lyrics.lines[idx], time);
    if (idx === lyrics.currentLine) return;
    if (lyrics.currentLine >= 0 && lyrics.lines[lyrics.currentLine]) {
      lyrics.lines[lyrics.currentLine].li.classList.remove("is-current");
      lyrics.lines[lyrics.currentLine].li.removeAttribute("aria-current");
      syncWords(lyrics.lines[lyrics.currentLine], null);
    }
    lyrics.currentLine = idx;
    if (idx >= 0) {
      var li = lyrics.lines[idx].li, box = lyrics.list;
      li.classList.add("is-current");
      li.setAttribute("aria-current", "true");
      // Scroll inside the lyrics box only: never move the page under the listener.
      box.scrollTop = li.offsetTop - box.offsetTop - box.clientHeight / 2 + li.clientHeight / 2;
    }
  }

  /* Which track a `#t=` on this page means: the track page's own, or on a release page
     the playing track if it is on this release, else the first one. */
  function seekFromHash(hash) {
    var time = timeFromHash(hash);
    if (time === null) return false;
    var trackPage = doc.querySelector("[data-track-page]");
    var list = doc.querySelector("[data-tracklist]");
    if (!list) return false;
    var id = trackPage ? absolute(trackPage.getAttribute("data-track-page")) : null;
    var cur = current();
    if (!id) {
      var tracks = readTracklist(list);
      if (!tracks.length) return false;
      id = cur && tracks.some(function (t) { return t.id === cur.id; }) ? cur.id : tracks[0].id;
    }
    list = tracklistWith(id) || list;
    if (cur && cur.id === id) { seek(time); play(); }
    else playFrom(list, id, time);
    return true;
  }

  function bindPage() {
    pageWaves = $$("[data-wave]").filter(function (b) { return b !== el.wave; }).map(function (b) { return new PageWave(b); });
    pageWaves.forEach(function (w) { w.wave.resize(); w.sync(); });
    bindLyrics();
    syncPage();
    syncLyrics(position());
  }

  /* One delegated listener for every page control, so swapped pages need no re-binding. */
  doc.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    var btn = target.closest("[data-play], [data-play-release], [data-play-track], [data-copy], #player [data-action]");
    if (btn) {
      if (btn.hasAttribute("data-play")) {
        var row = btn.closest("[data-track]");
        playFrom(btn.closest("[data-tracklist]"), absolute(row.getAttribute("data-url")));
      } else if (btn.hasAttribute("data-play-release")) {
        var list = pageTracklist(btn), cur = current();
        if (list && cur && cur.releaseUrl === absolute(list.getAttribute("data-release-url"))) toggle();
        else if (list) playFrom(list, null);
      } else if (btn.hasAttribute("data-play-track")) {
        var id = absolute(btn.getAttribute("data-play-track"));
        var own = tracklistWith(id);
        if (own) playFrom(own, id);
      } else if (btn.hasAttribute("data-copy")) {
        copy(btn);
      } else {
        var action = btn.getAttribute("data-action");
        if (action === "toggle") toggle();
        else if (action === "prev") prev();
        else if (action === "next") next();
        else if (action === "mute") { prefs.muted = !prefs.muted; applyVolume(); savePrefs(); renderBar(); }
        else if (action === "normalise") { prefs.normalise = !prefs.normalise; applyVolume(); savePrefs(); renderBar(); }
      }
      return;
    }
    var line = target.closest("[data-lyrics] li[data-start]");
    if (line) {
      var lyricsId = absolute(line.closest("[data-lyrics]").getAttribute("data-lyrics"));
      var start = parseFloat(line.getAttribute("data-start")) || 0;
      var c = current();
      if (c && c.id === lyricsId) { seek(start); play(); }
      else if (tracklistWith(lyricsId)) playFrom(tracklistWith(lyricsId), lyricsId, start);
    }
  });

  function copy(btn) {
    var field = doc.querySelector(btn.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = btn.textContent;
      btn.textContent = window.TuneCamp.t("Copied");
      setTimeout(function () { btn.textContent = label; }, 1600);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
      try { doc.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  }

  el.volume.addEventListener("input", function () {
    prefs.volume = Math.max(0, Math.min(1, (parseFloat(el.volume.value) || 0) / 100));
    if (prefs.volume > 0) prefs.muted = false;
    applyVolume();
    savePrefs();
    renderBar();
  });

  /* Keyboard: space/k play-pause, arrows or j/l seek, n/p next/previous, m mute.
     Never taken from text fields, sliders, buttons or links that use the key themselves. */
  doc.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target instanceof Element ? e.target : null;
    if (t && (t.closest("input, textarea, select, [contenteditable], [role=slider], audio, video"))) return;
    var key = e.key;
    var activating = t && t.closest("button, a, summary, [role=button]");
    if ((key === " " || key === "Enter") && activating) return;
    var handled = true;
    if (key === " " || key === "k" || key === "K") {
      if (current()) toggle();
      else {
        var list = doc.querySelector("[data-tracklist]");
        if (list) playFrom(list, null); else handled = false;
      }
    } else if (!current()) {
      handled = false;
    } else if (key === "ArrowLeft") seek(position() - SEEK_STEP);
    else if (key === "ArrowRight") seek(position() + SEEK_STEP);
    else if (key === "j" || key === "J") seek(position() - 10);
    else if (key === "l" || key === "L") seek(position() + 10);
    else if (key === "n" || key === "N") next();
    else if (key === "p" || key === "P") prev();
    else if (key === "m" || key === "M") { prefs.muted = !prefs.muted; applyVolume(); savePrefs(); renderBar(); }
    else handled = false;
    if (handled) e.preventDefault();
  });

  /* ---------- audio events ---------- */

  audio.addEventListener("loadedmetadata", function () {
    if (state.pendingSeek !== null) {
      var t = state.pendingSeek;
      state.pendingSeek = null;
      try { audio.currentTime = t; } catch (e) { /* not seekable */ }
    }
    renderTime();
  });
  audio.addEventListener("play", function () { renderBar(); syncPage(); save(); });
  audio.addEventListener("pause", function () { renderBar(); syncPage(); save(); });
  audio.addEventListener("ended", function () {
    if (state.index < state.queue.length - 1) load(state.index + 1, { play: true });
    else { renderBar(); syncPage(); save(); }
  });
  var lastSave = 0;
  audio.addEventListener("timeupdate", function () {
    renderTime();
    var now = Date.now();
    if (now - lastSave > 1000) { lastSave = now; save(); }
  });
  audio.addEventListener("durationchange", renderTime);
  audio.addEventListener("error", function () {
    var t = current();
    if (t) el.live.textContent = window.TuneCamp.t("Could not play %(title)s", { title: t.title });
    renderBar();
  });

  // Smooth progress while playing, without redrawing more than the pixels that change.
  (function frame() {
    if (!audio.paused && current()) playerWave.draw(duration() ? position() / duration() : 0);
    window.requestAnimationFrame(frame);
  })();

  window.addEventListener("resize", function () {
    playerWave.resize();
    pageWaves.forEach(function (w) { w.wave.resize(); });
  });

  /* ---------- persistence ---------- */

  function save() {
    if (embed || !state.queue.length) return;
    writeJSON(sessionStore(), STORE, {
      v: 1, queue: state.queue, index: state.index, time: position(), playing: !audio.paused
    });
  }
  function savePrefs() { writeJSON(localStore(), PREFS, prefs); }

  function restore() {
    var saved = readJSON(sessionStore(), STORE);
    if (!saved || saved.v !== 1 || !Array.isArray(saved.queue) || !saved.queue.length) return false;
    var ok = saved.queue.every(function (t) { return t && typeof t.id === "string" && Array.isArray(t.sources) && t.sources.length; });
    if (!ok) return false;
    state.queue = saved.queue;
    var i = Math.max(0, Math.min(saved.index | 0, saved.queue.length - 1));
    load(i, { time: +saved.time || 0, play: !!saved.playing });
    return true;
  }

  window.addEventListener("pagehide", save);

  /* ---------- timecode links and page changes ---------- */

  function here(url) { return url.href.split("#")[0] === location.href.split("#")[0]; }

  // A #t= link to this page seeks instead of jumping (nav.js leaves same-page hashes alone).
  doc.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var a = e.target instanceof Element ? e.target.closest("a[href]") : null;
    if (!a || !(a instanceof HTMLAnchorElement)) return;
    var url = new URL(a.href, location.href);
    if (!here(url) || timeFromHash(url.hash) === null) return;
    e.preventDefault();
    if (url.href !== location.href) history.replaceState(history.state, "", url.href);
    seekFromHash(url.hash);
  });

  window.addEventListener("hashchange", function () {
    if (timeFromHash(location.hash) !== null) seekFromHash(location.hash);
  });

  // nav.js swapped a new page in: bind its controls, and honour a #t= in its address.
  doc.addEventListener("tunecamp:page", function () {
    bindPage();
    if (timeFromHash(location.hash) !== null) seekFromHash(location.hash);
  });

  /* ---------- start ---------- */

  var restored = !embed && restore();
  bindPage();
  if (timeFromHash(location.hash) !== null) seekFromHash(location.hash);
  else if (embed && !restored) {
    // An embed shows its first track in the bar at once, ready to play.
    var list = doc.querySelector("[data-tracklist]");
    var tracks = list ? readTracklist(list) : [];
    if (tracks.length) { state.queue = tracks; load(0, {}); }
  }

  // the labels written before the page's messages arrived (i18n.js), again in its language
  if (window.TuneCamp && window.TuneCamp.whenMessages) {
    window.TuneCamp.whenMessages(function () { syncPage(); if (current()) renderBar(); });
  }

  window.TuneCamp = window.TuneCamp || {};
  window.TuneCamp.player = {
    audio: audio,
    play: play, pause: pause, toggle: toggle, next: next, prev: prev, seek: seek,
    get queue() { return state.queue.slice(); },
    get index() { return state.index; }
  };
})();
