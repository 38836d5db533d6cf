// Lesson editor: live preview rendered by the server with the very renderer learners
// get, so what the lecturer sees is exactly what will be published.
(function () {
  "use strict";
  var form = document.querySelector("form.editor");
  var target = document.getElementById("live-preview");
  if (!form || !target) return;
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  var body = form.querySelector("textarea[name=body]");
  var timer = null;
  var seq = 0;

  function refresh() {
    var mine = ++seq;
    var data = new FormData();
    data.append("body", body.value);
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    fetch(form.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) {
        if (json && mine === seq) target.innerHTML = json.html;  // sanitised server-side
      })
      .catch(function () {});
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
})();
