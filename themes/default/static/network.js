/* TuneCamp network page: filters the listed sites as you type. The page works without it
   (every site is listed); runs on load and after player.js swaps pages in (`tunecamp:page`). */
(function () {
  "use strict";

  var fold = window.TuneCamp.fold;

  function setup() {
    var input = document.querySelector("[data-network-filter]");
    if (!input || input.dataset.ready) return;
    input.dataset.ready = "1";
    var sites = Array.prototype.slice.call(document.querySelectorAll("[data-network-site]"));
    var keys = sites.map(function (li) { return fold(li.getAttribute("data-filter")); });
    var status = document.getElementById("network-status");
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      sites.forEach(function (li, n) {
        var match = words.every(function (w) { return keys[n].indexOf(w) !== -1; });
        li.hidden = !match;
        if (match) shown += 1;
      });
      if (status) status.textContent = words.length
        ? window.TuneCamp.tn("%(shown)s of %(num)s site", "%(shown)s of %(num)s sites", sites.length, { shown: shown })
        : "";
    }
    input.addEventListener("input", apply);
    apply();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
  document.addEventListener("tunecamp:page", setup);
})();
