// Attempt page: autosave every change at once (the server commits before it answers),
// numbered per question so a late older save never overwrites a newer one; a visible
// banner and retries while offline; a countdown computed from the server's clock.
// Without this script the page still works with plain form posts.
(function () {
  "use strict";
  var form = document.querySelector("form.attempt-form");
  if (!form) return;
  var d = form.dataset;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var base = d.api;  // /api/v1/attempts/<id>
  var banner = document.querySelector(".save-banner");
  var pending = {};  // slot -> {seq, response}
  var inflight = {};
  var retryTimer = null;
  var closed = false;

  // Hide the plain "save" button: with JavaScript every change is saved at once.
  var saveButton = form.querySelector('button[value="save"]');
  if (saveButton) saveButton.hidden = true;

  function responseOf(fs) {
    var type = fs.dataset.type;
    if (type === "multiple_choice") {
      return Array.prototype.map.call(fs.querySelectorAll("input:checked"), function (i) { return i.value; });
    }
    if (type === "matching") {
      var out = {};
      fs.querySelectorAll("select").forEach(function (s) { if (s.value) out[s.dataset.left] = s.value; });
      return out;
    }
    if (type === "single_choice" || type === "true_false") {
      var checked = fs.querySelector("input:checked");
      if (!checked) return null;
      return type === "true_false" ? checked.value === "true" : checked.value;
    }
    var field = fs.querySelector("input, textarea");
    var value = field ? field.value : "";
    if (type === "numerical") {
      if (value.trim() === "") return null;
      var n = Number(value.replace(",", "."));
      return isNaN(n) ? value : n;
    }
    return value;
  }

  function setState(fs, text, cls) {
    var el = fs.querySelector(".save-state");
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function showBanner(on) {
    banner.hidden = !on;
    banner.textContent = on ? d.msgBanner : "";
  }

  function send(slot) {
    var item = pending[slot];
    if (!item || inflight[slot] || closed) return;
    var fs = document.getElementById("question-" + slot);
    inflight[slot] = item.seq;
    setState(fs, d.msgSaving, "saving");
    fetch(base + "/answers/" + slot, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ response: item.response, seq: item.seq }),
    }).then(function (r) {
      if (r.status === 409) { closed = true; setState(fs, d.msgClosed, "failed"); setTimeout(function () { location.reload(); }, 1500); return; }
      if (!r.ok && r.status !== 422) throw new Error("HTTP " + r.status);
      return r.json().then(function (body) {
        delete inflight[slot];
        if (r.status === 422) { setState(fs, body.error.message, "failed"); delete pending[slot]; return; }
        if (pending[slot] && pending[slot].seq <= body.seq) delete pending[slot];
        fs.dataset.seq = Math.max(Number(fs.dataset.seq), body.seq);
        setState(fs, d.msgSaved, "saved");
        if (pending[slot]) send(slot);
        if (!Object.keys(pending).length) showBanner(false);
      });
    }).catch(function () {
      delete inflight[slot];
      setState(fs, d.msgFailed, "failed");
      showBanner(true);
      scheduleRetry();
    });
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      Object.keys(pending).forEach(send);
    }, 3000);
  }
  window.addEventListener("online", function () { Object.keys(pending).forEach(send); });

  var typing = {};
  function changed(fs, debounce) {
    var slot = fs.dataset.slot;
    var seq = Math.max(Number(fs.dataset.seq), pending[slot] ? pending[slot].seq : 0) + 1;
    fs.dataset.seq = seq;
    pending[slot] = { seq: seq, response: responseOf(fs) };
    if (pending[slot].response === null) { delete pending[slot]; return; }
    clearTimeout(typing[slot]);
    if (debounce) typing[slot] = setTimeout(function () { send(slot); }, 600);
    else send(slot);
  }

  form.querySelectorAll("fieldset.question").forEach(function (fs) {
    fs.addEventListener("change", function () { changed(fs, false); });
    fs.addEventListener("input", function (e) {
      if (e.target.matches("input[type=text], textarea")) changed(fs, true);
    });
  });

  // Submitting: first wait until every pending save is acknowledged.
  form.addEventListener("submit", function (e) {
    if (!Object.keys(pending).length || closed) return;
    e.preventDefault();
    var submitter = e.submitter;
    Object.keys(pending).forEach(send);
    var wait = setInterval(function () {
      if (!Object.keys(pending).length) {
        clearInterval(wait);
        if (submitter) { var h = document.createElement("input"); h.type = "hidden"; h.name = "action"; h.value = submitter.value; form.appendChild(h); }
        form.submit();
      }
    }, 200);
  });

  // The countdown (timer.js) says when time is up: submit what is there, as the quiz says.
  document.addEventListener("lms:timeup", function () {
    if (d.autosubmit !== "yes" || closed) return;
    var h2 = document.createElement("input"); h2.type = "hidden"; h2.name = "action"; h2.value = "submit"; form.appendChild(h2);
    Object.keys(pending).forEach(send);
    setTimeout(function () { form.submit(); }, 1500);
  });

  // "Xem lại sau": flag a question through the API, and show it in the panel.
  function showFlag(slot, on) {
    var fs = document.getElementById("question-" + slot);
    var button = fs && fs.querySelector(".flag-toggle");
    if (fs) fs.classList.toggle("flagged", on);
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? button.dataset.labelOn : button.dataset.labelOff;
    }
    var link = document.querySelector('.quiz-nav a[data-slot="' + slot + '"]');
    if (link) {
      link.classList.toggle("flagged", on);
      link.querySelector(".nav-flag").textContent = on ? ", " + d.msgFlagged : "";
    }
  }
  form.querySelectorAll(".flag-toggle").forEach(function (button) {
    button.addEventListener("click", function (e) {
      e.preventDefault();
      var slot = button.value;
      var on = button.getAttribute("aria-pressed") !== "true";
      fetch(d.flags + slot, {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ flagged: on })
      }).then(function (r) {
        if (r.ok) showFlag(slot, on);
        else if (r.status === 409) location.reload();
      });
    });
  });

  // The panel follows the answers as they change.
  function showAnswered(fs) {
    var link = document.querySelector('.quiz-nav a[data-slot="' + fs.dataset.slot + '"]');
    if (!link || link.classList.contains("info")) return;
    var value = responseOf(fs);
    var answered = value !== null && value !== "" &&
      !(Array.isArray(value) && !value.length) &&
      !(typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length);
    link.classList.toggle("answered", answered);
    link.classList.toggle("unanswered", !answered);
    link.querySelector(".nav-state").textContent = answered ? d.msgAnswered : d.msgUnanswered;
  }
  form.querySelectorAll("fieldset.question").forEach(function (fs) {
    fs.addEventListener("change", function () { showAnswered(fs); });
    fs.addEventListener("input", function () { showAnswered(fs); });
  });
})();
