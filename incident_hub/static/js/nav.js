// The header menu on narrow screens, keyboard access to tables that scroll in their own box, and
// landing on the error after a refused form. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function menu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A table wider than its box scrolls inside it; a keyboard user must be able to reach it.
  function scrollables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      var box = t.parentElement && t.parentElement.classList.contains("table-wrap") ? t.parentElement : t;
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          var heading = t.closest("section") && t.closest("section").querySelector("h2, h1");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", heading ? heading.textContent.trim() : "table");
        }
      } else if (box.getAttribute("tabindex") === "0" && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }

  // After a refused form the page opens on the first error, not at the top.
  function landOnError() {
    if (location.hash) return;
    var error = document.querySelector(".field-error, .flash.error, [data-error]");
    if (!error) return;
    var target = error.closest(".field, form, .flash, section") || error;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  // <input type="checkbox" data-select-all="ids">: ticks or clears every box named "ids" of its form.
  function selectAll() {
    var boxes = document.querySelectorAll("input[data-select-all]");
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].addEventListener("change", function (event) {
        var all = event.target;
        var form = all.form || document;
        var items = form.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]');
        for (var j = 0; j < items.length; j++) items[j].checked = all.checked;
      });
    }
  }

  function start() {
    menu();
    selectAll();
    scrollables();
    landOnError();
    window.addEventListener("resize", scrollables);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
