// Session page: show only the fields of the chosen recommendation kind, and warn before
// leaving a decision form with unsaved changes. Everything works without this script.
(function () {
  "use strict";

  function syncKind(fieldset) {
    var select = fieldset.querySelector(".rec-kind select");
    if (!select) { return; }
    var kind = select.value;
    fieldset.querySelectorAll(".kind-fields").forEach(function (group) {
      var show = group.getAttribute("data-kind") === kind;
      // Keep a group with an error visible: the message must stay next to its field.
      if (!show && group.querySelector(".has-error")) { show = true; }
      group.hidden = !show;
    });
  }

  document.querySelectorAll("[data-rec]").forEach(function (fieldset) {
    syncKind(fieldset);
    var select = fieldset.querySelector(".rec-kind select");
    if (select) {
      select.addEventListener("change", function () { syncKind(fieldset); });
    }
  });

  // Forms with data-unsaved-warning are guarded by static/js/mtb.js.

  // A failed save: move focus to what explains it (a conflict first, then field errors).
  var summary = document.querySelector(".save-conflict") || document.querySelector(".decision-form .error-summary");
  if (summary) { summary.focus(); }
})();
