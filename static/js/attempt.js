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

  // Countdown from the server's clock: offset = server time - local time at load.
  var timer = document.querySelector(".timer");
  if (timer) {
    var offset = Date.parse(timer.dataset.serverTime) - Date.now();
    var deadline = Date.parse(timer.dataset.deadline);
    var announce = document.querySelector(".timer-announce");
    var announced = {};
    var tick = function () {
      var left = Math.max(0, deadline - (Date.now() + offset));
      var s = Math.floor(left / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      timer.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      var minutes = Math.ceil(s / 60);
      [10, 5, 1].forEach(function (mark) {
        if (minutes === mark && !announced[mark]) { announced[mark] = true; announce.textContent = d.msgMinutes.replace("{n}", mark); }
      });
      if (left <= 0) {
        clearInterval(interval);
        announce.textContent = d.msgTimeup;
        timer.classList.add("expired");
        if (d.autosubmit === "yes" && !closed) {
          var h2 = document.createElement("input"); h2.type = "hidden"; h2.name = "action"; h2.value = "submit"; form.appendChild(h2);
          Object.keys(pending).forEach(send);
          setTimeout(function () { form.submit(); }, 1500);
        }
      } else if (s < 300) {
        timer.classList.add("warning");
      }
    };
    var interval = setInterval(tick, 1000);
    tick();
  }
})();
