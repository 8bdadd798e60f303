// dlprelay console: the only script (CSP allows no inline script).
// - a checkbox with class "select-all" ticks every "id" checkbox of its form;
// - a button or form with data-confirm asks before it submits.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.select-all").forEach(function (all) {
    all.addEventListener("change", function () {
      all.form.querySelectorAll('input[type=checkbox][name="id"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    var ev = el.tagName === "FORM" ? "submit" : "click";
    el.addEventListener(ev, function (e) {
      if (!window.confirm(el.getAttribute("data-confirm"))) {
        e.preventDefault();
      }
    });
  });
});
