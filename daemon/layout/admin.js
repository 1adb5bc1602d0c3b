// The dashboard works without this file; it adds confirmations and follows a running build.
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
  while (state === "running") {
    const response = await fetch(`/api/admin/builds/${id}?since=${next}&wait=20`, { credentials: "same-origin" });
    if (!response.ok) return;
    const { build } = await response.json();
    if (build.log.length) pre.textContent += (pre.textContent ? "\n" : "") + build.log.join("\n");
    next = build.log_next;
    state = build.state;
    document.getElementById("build-state").textContent = state;
    if (state !== "running") {
      document.getElementById("build-published").textContent = build.published
        ? "Published." : "Not published: the site is as it was.";
      const list = document.getElementById("build-problems");
      list.replaceChildren(...(build.problems.length ? build.problems : [null]).map((p) => {
        const li = document.createElement("li");
        if (p) { li.className = p.level; li.textContent = `${p.level}: ${p.path}${p.key ? ` [${p.key}]` : ""}: ${p.message}`; }
        else li.textContent = "None.";
        return li;
      }));
    }
  }
}

const log = document.getElementById("build-log");
if (log) followBuild(log);
