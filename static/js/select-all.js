// A header checkbox [data-select-all="<name>"] ticks or unticks every checkbox of that name in its form.
// Without this script the box stays hidden and each row is ticked by hand (or "every credential matching
// the filter" is chosen).
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (master) {
    var form = master.form;
    var name = master.getAttribute("data-select-all");
    var boxes = function () {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.type === "checkbox" && el.name === name;
      });
    };
    var sync = function () {
      var all = boxes();
      var ticked = all.filter(function (el) { return el.checked; }).length;
      master.checked = ticked > 0 && ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    };
    master.hidden = false;
    master.addEventListener("change", function () {
      boxes().forEach(function (el) { el.checked = master.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target !== master && event.target.name === name) { sync(); }
    });
    sync();
  });
})();
