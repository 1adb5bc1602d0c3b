// The broadcaster's page: the microphone through MediaRecorder (webm/opus), one chunk a second,
// posted in order to the daemon, which encodes it once for every listener.
"use strict";

(() => {
  // the page's messages (the layout loads i18n.js; English without it), named _() as `make messages`
  // extracts them from the daemon's scripts
  const _ = (message, vars) => (window.TuneCamp && window.TuneCamp.t
    ? window.TuneCamp.t(message, vars)
    : message.replace(/%\((\w+)\)s/g, (all, k) => (vars && k in vars ? String(vars[k]) : all)));
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const MIME = "audio/webm;codecs=opus";
  let session = null;
  let recorder = null;
  let stream = null;
  let seq = 0;
  let queue = Promise.resolve();
  let poller = null;

  const api = (path, options = {}) =>
    fetch(path, { credentials: "same-origin", ...options, headers: { "X-CSRF-Token": csrf, ...(options.headers || {}) } });

  function showError(text) {
    const box = $("live-error");
    box.textContent = text;
    box.hidden = !text;
  }

  async function errorOf(response) {
    try { return (await response.json()).error; } catch (_) { return `${response.status} ${response.statusText}`; }
  }

  async function send(id, blob) {
    const n = seq++;
    const body = await blob.arrayBuffer();
    for (let attempt = 0; attempt < 5; attempt++) {
      let response;
      try {
        response = await api(`/api/live/sessions/${id}/chunks?seq=${n}`, {
          method: "POST", body, headers: { "Content-Type": "application/octet-stream" },
        });
      } catch (_) { await sleep(1000); continue; }  // the network blinked: the same chunk again
      if (response.ok) {
        $("live-listeners").textContent = (await response.json()).listeners;
        $("live-sent").textContent = n + 1;
        return;
      }
      if (response.status === 429) { await sleep(1000 * Number(response.headers.get("Retry-After") || 1)); continue; }
      showError(await errorOf(response));
      if (response.status === 404 || response.status === 409) finish(false);
      return;
    }
  }

  async function poll() {
    if (!session) return;
    const response = await api(`/api/live/sessions/${session.id}`);
    if (response.ok) {
      const status = await response.json();
      $("live-listeners").textContent = status.listeners;
      const states = { live: _("live"), ending: _("ending"), ended: _("ended") };
      const state = states[status.state] || status.state;
      $("live-state").textContent = status.restarts
        ? _("%(state)s (encoder restarted %(restarts)s×)", { state, restarts: status.restarts })
        : state;
      if (status.state !== "live") finish(false);
    }
  }

  async function start(event) {
    event.preventDefault();
    showError("");
    if (!window.MediaRecorder || !MediaRecorder.isTypeSupported(MIME)) {
      showError(_("This browser cannot record webm/opus: use a recent Firefox or Chromium."));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false } });
    } catch (error) {
      showError(_("No microphone: %(error)s", { error: error.message }));
      return;
    }
    const record = $("live-record");
    const response = await api("/api/live/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: $("live-title").value, artist: $("live-artist").value, record: record ? record.checked : false }),
    });
    if (!response.ok) {
      showError(await errorOf(response));
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    session = await response.json();
    seq = 0;
    recorder = new MediaRecorder(stream, { mimeType: MIME, audioBitsPerSecond: 128000 });
    recorder.addEventListener("dataavailable", (e) => {
      const id = session && session.id;
      if (id && e.data.size) queue = queue.then(() => send(id, e.data));
    });
    recorder.start(1000);
    $("live-on-title").textContent = session.title;
    $("live-page").href = session.page;
    $("live-page").textContent = session.page;
    $("live-start").hidden = true;
    $("live-on").hidden = false;
    $("live-on").dataset.session = session.id;
    poller = setInterval(poll, 5000);
  }

  let finishing = false;

  function finish(callEnd) {
    if (!session || finishing) return;
    finishing = true;
    const ending = session;
    clearInterval(poller);
    const done = async () => {
      if (callEnd) {
        const record = $("live-record");
        await api(`/api/live/sessions/${ending.id}/end`, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ keep: record ? record.checked : false }),
        });
      }
      session = null;
      finishing = false;
      $("live-state").textContent = _("ended");
      $("live-start").hidden = false;
      $("live-on").hidden = true;
    };
    if (recorder && recorder.state !== "inactive") {
      // the last chunk comes with the stop: sent before the end
      recorder.addEventListener("stop", () => { queue = queue.then(done); }, { once: true });
      recorder.stop();
    } else {
      queue = queue.then(done);
    }
    if (stream) stream.getTracks().forEach((t) => t.stop());
  }

  const form = $("live-form");
  if (form) form.addEventListener("submit", start);
  const endButton = $("live-end");
  if (endButton) endButton.addEventListener("click", () => finish(true));
  document.addEventListener("click", async (event) => {
    const id = event.target.dataset && event.target.dataset.end;
    if (!id) return;
    const response = await api(`/api/live/sessions/${id}/end`, { method: "POST" });
    if (response.ok) event.target.closest("li").remove();
    else showError(await errorOf(response));
  });
})();
