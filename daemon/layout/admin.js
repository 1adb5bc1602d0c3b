// The dashboard works without this file; it adds confirmations, follows a running build, and
// reloads a page waiting for a background job (an enrichment look-up) until it is done.
"use strict";

document.addEventListener("submit", (event) => {
  const source = event.submitter && event.submitter.dataset.confirm ? event.submitter : event.target;
  const question = source.dataset && source.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

async function followBuild(pre) {
  const id = pre.dataset.build;
  let next = Number(pre.dataset.next);
  let state = pre.dataset.state;
  while (state === "running" || state === "queued") {
    const response = await fetch(`/api/admin/builds/${id}?since=${next}&wait=20`, { credentials: "same-origin" });
    if (!response.ok) return;
    const { build } = await response.json();
    if (build.log.length) pre.textContent += (pre.textContent ? "\n" : "") + build.log.join("\n");
    next = build.log_next;
    state = build.state;
    const shown = document.getElementById("build-state");
    shown.textContent = shown.dataset[state] || state;  // the page's words for the state it ends in
    if (state !== "running" && state !== "queued") {
      // the page's own words (data-*), in its language
      const published = document.getElementById("build-published");
      published.textContent = build.published
        ? published.dataset.yes || "Published." : published.dataset.no || "Not published: the site is as it was.";
      const list = document.getElementById("build-problems");
      list.replaceChildren(...(build.problems.length ? build.problems : [null]).map((p) => {
        const li = document.createElement("li");
        if (p) { li.className = p.level; li.textContent = `${p.level}: ${p.path}${p.key ? ` [${p.key}]` : ""}: ${p.message}`; }
        else li.textContent = list.dataset.none || "None.";
        return li;
      }));
    }
  }
}

const log = document.getElementById("build-log");
if (log) followBuild(log);

// On the dashboard, a rebuild that is running (after a Publish, say) ends with the table and the
// summary as the new site has them: no "now published" flash beside a row still saying "draft".
async function refreshWhenBuilt(summary) {
  const id = summary.dataset.running;
  for (;;) {
    const response = await fetch(`/api/admin/builds/${id}?wait=20`, { credentials: "same-origin" });
    if (!response.ok) return;
    const { build } = await response.json();
    if (build.state !== "running" && build.state !== "queued") break;
  }
  const page = await fetch(window.location.pathname, { credentials: "same-origin" });
  if (!page.ok) return;
  const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
  for (const selector of ["#build-summary", "table.releases tbody"]) {
    const old = document.querySelector(selector), updated = fresh.querySelector(selector);
    if (old && updated) old.replaceWith(updated);
  }
  const next = document.getElementById("build-summary");
  if (next && next.dataset.running) refreshWhenBuilt(next);  // a queued rebuild started meanwhile
}

const summary = document.getElementById("build-summary");
if (summary && summary.dataset.running) refreshWhenBuilt(summary);

const waiting = document.querySelector("[data-reload-after]");
if (waiting) setTimeout(() => window.location.reload(), Number(waiting.dataset.reloadAfter) * 1000);
