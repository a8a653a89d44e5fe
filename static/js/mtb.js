// Shared page behaviour. Forms marked data-unsaved-warning ask before the page is left
// with changes not yet saved: clinicians expect their typing never to be lost.
(function () {
  "use strict";
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    // A form shown again after a failed save holds typing that is not stored yet.
    var dirty = form.hasAttribute("data-unsaved-initial");
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = form.getAttribute("data-unsaved-warning");
      }
    });
  });

  // Forms marked data-confirm ask once before an action that tells others or cannot be undone.
  // Without JavaScript they submit directly: the server still checks every rule.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
