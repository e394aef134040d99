// The header's menu on a small screen. Without this script every link shows, wrapped: the button stays hidden.
// With it, below the CSS breakpoint the links fold behind the "Menu" button (aria-expanded says whether they
// show; Escape closes and returns to the button). The staff group is a <details>, which works by itself; the
// script closes it when the focus or a click goes elsewhere, as a drop-down menu does on a desktop.
(function () {
  "use strict";
  var nav = document.querySelector("[data-nav]");
  if (!nav) { return; }
  var button = nav.querySelector(".nav-toggle");
  var setOpen = function (open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("nav-open", open);
  };
  nav.classList.add("nav-enhanced");
  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var group = nav.querySelector("[data-nav-group][open]");
    if (group && group.contains(event.target)) {
      group.open = false;
      group.querySelector("summary").focus();
    } else if (button.getAttribute("aria-expanded") === "true" && getComputedStyle(button).display !== "none") {
      setOpen(false);
      button.focus();
    }
  });
  nav.querySelectorAll("[data-nav-group]").forEach(function (group) {
    document.addEventListener("click", function (event) {
      if (group.open && !group.contains(event.target)) { group.open = false; }
    });
    group.addEventListener("focusout", function (event) {
      if (group.open && event.relatedTarget && !group.contains(event.relatedTarget)) { group.open = false; }
    });
  });
})();
