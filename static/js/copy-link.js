// A button [data-copy="<input id>"] copies that input's text to the clipboard and says so in the element
// [data-copy-status] beside it (a live region). Without this script the button stays hidden: the address is in
// a read-only field, selectable and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!field) { return; }
    var say = function (text) { if (status) { status.textContent = text; } };
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { say(button.getAttribute("data-copied")); };
      var byHand = function () {
        field.focus();
        field.select();
        say(button.getAttribute("data-copy-failed"));
      };
      say("");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, byHand);
      } else {
        byHand();
      }
    });
  });
})();
