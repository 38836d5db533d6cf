// A countdown from the server's clock (offset = server time - local time at load), with
// spoken warnings at 10, 5 and 1 minutes; at zero it fires "lms:timeup" on the document.
(function () {
  "use strict";
  var timer = document.querySelector(".timer");
  if (!timer) return;
  var offset = Date.parse(timer.dataset.serverTime) - Date.now();
  var deadline = Date.parse(timer.dataset.deadline);
  var announce = document.querySelector(".timer-announce");
  var announced = {};
  var interval;
  function tick() {
    var left = Math.max(0, deadline - (Date.now() + offset));
    var s = Math.floor(left / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    timer.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    var minutes = Math.ceil(s / 60);
    [10, 5, 1].forEach(function (mark) {
      if (minutes === mark && !announced[mark]) { announced[mark] = true; announce.textContent = timer.dataset.msgMinutes.replace("{n}", mark); }
    });
    if (left <= 0) {
      clearInterval(interval);
      announce.textContent = timer.dataset.msgTimeup;
      timer.classList.add("expired");
      document.dispatchEvent(new CustomEvent("lms:timeup"));
    } else if (s < 300) {
      timer.classList.add("warning");
    }
  }
  interval = setInterval(tick, 1000);
  tick();
})();
