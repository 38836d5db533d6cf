// Lesson page: count reading time with a heartbeat while the page is visible, and mark
// the lesson done when the reader reaches its end. Works without this script too
// (the "Mark as done" button posts a plain form).
(function () {
  "use strict";
  var article = document.querySelector("article.lesson");
  if (!article) return;
  var completeUrl = article.dataset.completeUrl;
  var heartbeatUrl = article.dataset.heartbeatUrl;
  if (!completeUrl) return;
  var token = document.querySelector('meta[name="csrf-token"]').content;

  function post(url) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
    });
  }

  setInterval(function () {
    if (document.visibilityState === "visible") post(heartbeatUrl).catch(function () {});
  }, 60000);

  var end = document.getElementById("lesson-end");
  var note = end && end.querySelector(".done-note[hidden]");
  if (!end || !note || !("IntersectionObserver" in window)) return;
  var sent = false;
  new IntersectionObserver(function (entries, observer) {
    if (sent || !entries.some(function (e) { return e.isIntersecting; })) return;
    sent = true;
    post(completeUrl).then(function (response) {
      if (response.status === 409) {
        // Not read long enough yet: say how long, and try again at the next visit of the end.
        response.json().then(function (body) {
          var left = end.querySelector("[data-reading-left]");
          if (left && body.error) left.textContent = body.error.message;
        });
        sent = false;
        return;
      }
      if (!response.ok) { sent = false; return; }
      observer.disconnect();
      note.textContent = "✓ " + note.dataset.doneText;
      note.hidden = false;
      var form = end.querySelector("form");
      if (form) form.hidden = true;
    }).catch(function () { sent = false; });
  }, { threshold: 1.0 }).observe(end);
})();
