// Progressive enhancement for the editor: live Markdown preview and autosave of drafts.
// Both post the editor's own form (so the antiforgery token travels with it) to page handlers.
(function () {
  "use strict";
  var form = document.querySelector("form[data-editor]");
  if (!form) return;
  var body = form.querySelector("textarea[name='Input.Body']");
  var preview = document.getElementById("live-preview");
  var status = document.getElementById("autosave-status");
  var action = form.getAttribute("action") || window.location.pathname + window.location.search;

  function post(handler) {
    var url = new URL(action, window.location.href);
    url.searchParams.set("handler", handler);
    return fetch(url.toString(), { method: "POST", body: new FormData(form), credentials: "same-origin" });
  }

  if (body && preview) {
    var timer = null;
    preview.hidden = false;
    var refresh = function () {
      post("Preview").then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { preview.innerHTML = html; }); // sanitised by the server
    };
    body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    refresh();
  }

  if (form.hasAttribute("data-autosave")) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    setInterval(function () {
      if (!dirty) return;
      dirty = false;
      post("Autosave").then(function (r) {
        if (status) status.textContent = r.ok ? "Draft autosaved " + new Date().toLocaleTimeString() : "Autosave failed";
      });
    }, 20000);
  }
})();

// Import upload: say at once when the chosen file is over the upload limit, rather than after sending it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-limit]");
  if (!form) return;
  var limit = Number(form.getAttribute("data-upload-limit"));
  var input = form.querySelector("input[type=file]");
  var message = document.getElementById("upload-too-large");
  if (!input || !message || !limit) return;
  var check = function () {
    var tooLarge = input.files && input.files.length > 0 && input.files[0].size > limit;
    message.hidden = !tooLarge;
    input.setCustomValidity(tooLarge ? message.textContent : "");
  };
  input.addEventListener("change", check);
  form.addEventListener("submit", function (e) { check(); if (!message.hidden) e.preventDefault(); });
})();

// A newsletter send's progress: the page is complete as served; while the send runs, this asks the page's JSON
// handler every two seconds and updates the counts, and reloads the page when the send changes state (so the
// buttons shown are the ones that apply).
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var status = section.getAttribute("data-status");
  if (status !== "sending" && status !== "paused") return;
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");
  var set = function (name, value) {
    var field = section.querySelector("[data-field='" + name + "']");
    if (field && value !== undefined && value !== null) field.textContent = String(value);
  };
  var tick = function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        if (p.status !== status) { window.location.reload(); return; }
        set("done", p.done); set("total", p.total); set("queued", p.queued + p.inFlight); set("sent", p.sent);
        set("failed", p.failed); set("deferred", p.deferred); set("skipped", p.skipped); set("rate", p.rate); set("timeLeft", p.timeLeft);
        if (bar) { bar.max = Math.max(1, p.total); bar.value = p.done; bar.textContent = p.done + " of " + p.total; }
      })
      .catch(function () { /* the next tick tries again */ });
  };
  setInterval(tick, 2000);
})();
