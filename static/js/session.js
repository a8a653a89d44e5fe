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

  // The evidence list's hint shows the chosen level's nearest levels on the other scales
  // (the server writes it; each option carries its own line in data-crosswalk, an m-level
  // also the line of its grading of resistance in data-crosswalk-resistance, shown while
  // the modifier R is ticked).
  document.querySelectorAll(".evidence-level select").forEach(function (select) {
    var hint = document.getElementById(select.id + "-hint");
    if (!hint) { return; }
    var description = hint.getAttribute("data-base");
    if (description === null) {
      var prefix = select.getAttribute("data-crosswalk-prefix") || "";
      var text = hint.textContent;
      var cut = prefix ? text.indexOf(" " + prefix) : -1;
      description = (cut >= 0 ? text.slice(0, cut) : text).trim();
      hint.setAttribute("data-base", description);
    }
    // The m-level modifiers apply to NCT/DKTK levels only: shown for those (or when ticked or in error).
    var modifiers = select.closest("[data-rec]") && select.closest("[data-rec]").querySelector("fieldset.modifiers");
    function syncModifiers() {
      if (!modifiers) { return; }
      var keep = modifiers.classList.contains("has-error") || modifiers.querySelector("input:checked");
      modifiers.hidden = !(select.value.indexOf("nct:") === 0 || keep);
      modifiers.style.display = modifiers.hidden ? "none" : "";  // .field sets display: flex
    }
    syncModifiers();
    select.addEventListener("change", syncModifiers);
    function syncHint() {
      var option = select.options[select.selectedIndex];
      var resistance = modifiers && modifiers.querySelector('input[value="R"]:checked');
      var line = option ? option.getAttribute("data-crosswalk") : null;
      if (resistance && option && option.hasAttribute("data-crosswalk-resistance")) {
        line = option.getAttribute("data-crosswalk-resistance");
      }
      var prefix = select.getAttribute("data-crosswalk-prefix") || "";
      hint.textContent = option && option.value ? description + " " + prefix + " " + (line || "—") : description;
    }
    select.addEventListener("change", syncHint);
    if (modifiers) {
      modifiers.querySelectorAll('input[value="R"]').forEach(function (box) {
        box.addEventListener("change", syncHint);
      });
    }
  });

  // Forms with data-unsaved-warning are guarded by static/js/mtb.js.

  // Attendance ticked but not saved goes along with any other form of the page (a decision,
  // a deferral, closing...): the secretary expects the ticks to count for the quorum. The
  // server records it first, then does the form's action.
  var attendance = document.getElementById("attendance-form");
  function attendanceState() {
    if (!attendance) { return ""; }
    return Array.prototype.map.call(attendance.querySelectorAll("input[name=present], select"), function (control) {
      return control.name + "=" + (control.type === "checkbox" ? control.checked : control.value);
    }).join("&");
  }
  // A page shown again after a failed post holds ticks that are not saved yet.
  var savedAttendance = attendance && attendance.hasAttribute("data-unsaved-initial") ? null : attendanceState();
  function attendanceChanged() { return attendance && !attendance.querySelector("input[name=present]:disabled") && attendanceState() !== savedAttendance; }
  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    input.setAttribute("data-carried", "");
    form.appendChild(input);
  }
  document.querySelectorAll("form[data-carries-attendance]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || !attendanceChanged()) { return; }  // a confirmation said no
      form.querySelectorAll("[data-carried]").forEach(function (input) { input.remove(); });
      hidden(form, "attendance-carried", "1");
      attendance.querySelectorAll("input[name=present]:checked").forEach(function (box) {
        hidden(form, "present", box.value);
        var specialty = attendance.querySelector("select[name='specialty-" + box.value + "']");
        if (specialty) { hidden(form, specialty.name, specialty.value); }
      });
      // Leaving the page now is not leaving the ticks behind.
      attendance.dispatchEvent(new CustomEvent("mtb:saved"));
    });
  });

  // A failed save: move focus to what explains it (a conflict first, then field errors).
  var summary = document.querySelector(".save-conflict") || document.querySelector(".decision-form .error-summary");
  if (summary) { summary.focus(); }
})();
