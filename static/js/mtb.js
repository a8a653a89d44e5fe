// Shared page behaviour. Forms marked data-unsaved-warning ask before the page is left
// with changes not yet saved: clinicians expect their typing never to be lost.
(function () {
  "use strict";
  // Long choice lists repeated on every row (the agenda's presenters, the attendance's
  // specialties) are rendered once, in a <template>; each row's list holds its current
  // choice and gets the others the first time it is used, keeping the page small.
  function fillOptions(select) {
    if (select.hasAttribute("data-options-filled")) { return; }
    select.setAttribute("data-options-filled", "");
    var source = document.getElementById(select.getAttribute("data-options-from"));
    if (!source) { return; }
    var chosen = select.value, shared = {};
    Array.prototype.forEach.call(source.content.children, function (option) { shared[option.value] = true; });
    // The row's own options (the submitter) stay first; the shared ones follow in their order.
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (shared[option.value]) { option.remove(); }
    });
    Array.prototype.forEach.call(source.content.children, function (option) { select.appendChild(option.cloneNode(true)); });
    select.value = chosen;
  }
  ["focusin", "mousedown", "touchstart"].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      var target = event.target;
      if (target && target.matches && target.matches("select[data-options-from]")) { fillOptions(target); }
    }, true);
  });
  // A form refused and shown again with its errors: show the page's own address, so that
  // reloading (F5) shows the page again instead of sending the form a second time.
  var canonical = document.body.getAttribute("data-canonical-url");
  if (canonical && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", canonical);
  }
  // ...and the person sees why at once: unless a page script already placed the focus,
  // it goes to the first message or field in error, wherever it is on the page.
  if (document.body.hasAttribute("data-after-post")) {
    window.addEventListener("load", function () {
      if (document.activeElement && document.activeElement !== document.body) { return; }
      var problem = document.querySelector(".error-summary, [aria-invalid=true], .notice.bad, .has-error, .error");
      if (!problem) { return; }
      if (!/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(problem.tagName) && !problem.hasAttribute("tabindex")) {
        problem.setAttribute("tabindex", "-1");
      }
      problem.focus();
      problem.scrollIntoView({ block: "center" });
    });
  }

  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    // A form shown again after a failed save holds typing that is not stored yet.
    var dirty = form.hasAttribute("data-unsaved-initial");
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    // Another script sent this form's changes along with another form.
    form.addEventListener("mtb:saved", function () { dirty = false; });
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
  // The same for one button of a form that has several (publishing from the agenda's form).
  // Asked before the form's own listeners run; a "no" stops the submission there.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-confirm") && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
