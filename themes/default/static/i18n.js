/* The scripts' messages in the page's language. base.html names the page's JSON message file
   (<meta name="tunecamp-messages">, compiled from the theme's catalogs; empty in English, the
   scripts' own language). Loaded first; the other scripts call TuneCamp.t("Play %(title)s",
   {title: ...}) and TuneCamp.tn(one, many, n, vars) when they write a string, and wrap what they
   build at start in TuneCamp.whenMessages(fn). A missing file or message falls back to English.
   TuneCamp.fold() is the search's folding: case, accents, Arabic marks and letter variants, and
   katakana to hiragana, the same on the index and the query. */
(function () {
  "use strict";
  var T = (window.TuneCamp = window.TuneCamp || {});
  var messages = {};
  var meta = document.querySelector('meta[name="tunecamp-messages"]');
  var url = meta ? meta.getAttribute("content") : "";
  var lang = document.documentElement.lang || "en";
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

  var ready = url
    ? fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (data) { messages = (data && data.messages) || {}; }, function () {})
    : Promise.resolve();

  function fill(text, vars) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, key) {
      return vars && key in vars ? String(vars[key]) : all;
    });
  }

  T.t = function (msg, vars) {
    var text = typeof messages[msg] === "string" ? messages[msg] : msg;
    return fill(text, vars);
  };
  T.tn = function (one, many, n, vars) {
    var forms = messages[one];
    var text = n === 1 ? one : many;
    if (forms && typeof forms === "object") text = forms[rules ? rules.select(n) : "other"] || forms.other || text;
    var all = { num: window.Intl ? new Intl.NumberFormat(lang).format(n) : String(n) };
    for (var k in vars || {}) all[k] = vars[k];
    return fill(text, all);
  };
  T.whenMessages = function (fn) { ready.then(fn, fn); };
  T.fold = function (text) {
    return String(text || "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u3099\u309a]/g, "")
      .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627") // آ أ إ ٱ -> ا
      .replace(/\u0649/g, "\u064a") // ى -> ي
      .replace(/\u0629/g, "\u0647") // ة -> ه
      .replace(/[\u30a1-\u30f6]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0x60); })
      .toLowerCase();
  };
})();
