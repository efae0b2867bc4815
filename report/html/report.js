"use strict";
(function () {
  var form = document.getElementById("filter");
  var boxes = form.querySelectorAll("input[data-filter]");
  function apply() {
    var shown = {};
    boxes.forEach(function (box) { shown[box.dataset.filter] = box.checked; });
    document.querySelectorAll(".finding[data-severity]").forEach(function (el) {
      el.hidden = !shown[el.dataset.severity];
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.hidden = false;
  apply();
})();
