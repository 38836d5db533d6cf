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

// Markdown toolbar: each button writes Markdown around the selection (or at the cursor)
// and gives the focus back to the text. Without JavaScript the toolbar stays hidden and
// a cheat line shows the same Markdown to type by hand.
(function () {
  "use strict";
  var bar = document.querySelector(".md-toolbar");
  var text = bar && document.getElementById(bar.dataset.for);
  if (!bar || !text) return;
  bar.hidden = false;

  function lineStart(value, index) { return value.lastIndexOf("\n", index - 1) + 1; }

  // Wrap the selection in `before`/`after`; with nothing selected, insert `sample`
  // between them and select it, so typing replaces it.
  function wrap(before, after, sample) {
    var start = text.selectionStart, end = text.selectionEnd, value = text.value;
    var chosen = value.slice(start, end) || sample;
    text.value = value.slice(0, start) + before + chosen + after + value.slice(end);
    text.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  // Put `prefix` before every line of the selection (a heading: the first line only).
  function prefixLines(prefix, firstOnly) {
    var value = text.value, start = lineStart(value, text.selectionStart);
    var end = text.selectionEnd, block = value.slice(start, end) || "";
    var lines = block.split("\n");
    var out = lines.map(function (line, i) {
      return (firstOnly && i > 0) || line.indexOf(prefix) === 0 ? line : prefix + line;
    }).join("\n");
    text.value = value.slice(0, start) + out + value.slice(end);
    text.setSelectionRange(start + out.length, start + out.length);
  }

  var actions = {
    bold: function () { wrap("**", "**", bar.dataset.sample || "…"); },
    italic: function () { wrap("*", "*", bar.dataset.sample || "…"); },
    heading: function () { prefixLines("## ", true); },
    list: function () { prefixLines("- ", false); },
    quote: function () { prefixLines("> ", false); },
    link: function () { wrap("[", "](https://)", bar.dataset.sample || "…"); }
  };

  function run(name) {
    if (!actions[name]) return;
    text.focus();
    actions[name]();
    text.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview follows
  }

  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-md]");
    if (button) run(button.dataset.md);
  });
  text.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    var name = { b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()];
    if (name) { event.preventDefault(); run(name); }
  });
})();
