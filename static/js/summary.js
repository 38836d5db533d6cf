// Summary page: confirm before submitting (the page itself is the confirmation without
// JavaScript), and submit when time is up if the quiz says so.
(function () {
  "use strict";
  var form = document.querySelector("form.summary-form");
  if (!form) return;
  var confirmed = false;
  form.addEventListener("submit", function (e) {
    if (confirmed) return;
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
  document.addEventListener("lms:timeup", function () {
    if (form.dataset.autosubmit !== "yes") return;
    confirmed = true;
    var h = document.createElement("input"); h.type = "hidden"; h.name = "action"; h.value = "submit"; form.appendChild(h);
    form.submit();
  });
})();
