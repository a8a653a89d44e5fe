/* Agenda builder: drag pool cases onto the agenda and drag agenda items to reorder; after
   each action, the keyboard focus comes back to the control that was used.
   Everything here also works without JavaScript through the Add, ↑, ↓ buttons of the
   agenda's one form; this script only presses the same buttons or submits the same form. */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.hidden = false;
    link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
  });

  var form = document.getElementById("agenda-form");
  if (!form) { return; }
  var FOCUS_KEY = "mtb-agenda-focus";

  // After the page comes back, focus what was used: the same button (↑ on a row that reached
  // the top is disabled: then its ↓), the row that was dragged, the case just added.
  function restoreFocus() {
    var saved;
    try { saved = JSON.parse(window.sessionStorage.getItem(FOCUS_KEY) || "null"); } catch (error) { saved = null; }
    window.sessionStorage.removeItem(FOCUS_KEY);
    if (!saved || saved.path !== window.location.pathname) { return; }
    var target = saved.id ? document.getElementById(saved.id) : null;
    if (target && target.disabled) {
      target = document.getElementById(saved.id.replace(/^up-/, "down-")) || document.getElementById(saved.id.replace(/^down-/, "up-"));
      if (target && target.disabled) { target = target.closest(".agenda-item"); }
    }
    if (!target && saved.verb === "add") {
      var items = document.querySelectorAll(".agenda-item");
      target = items.length ? items[items.length - 1] : null;
    }
    if (!target) { target = document.getElementById("agenda-h"); }
    if (target) {
      if (!target.hasAttribute("tabindex") && !/^(BUTTON|INPUT|SELECT|A)$/.test(target.tagName)) { target.setAttribute("tabindex", "-1"); }
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  }

  function remember(id, verb) {
    window.sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ id: id || "", verb: verb || "", path: window.location.pathname }));
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button) { return; }  // a drag: remembered by the drop handler
    var verb = button.value ? button.value.split(":")[0] : "save";
    // Enter in a field presses the hidden default button: come back to that field.
    var active = document.activeElement;
    remember(button.id || (active && active.id) || "", verb);
  });
  // After the browser has moved to the #item-… anchor (which focuses that row without script).
  if (document.readyState === "complete") { window.setTimeout(restoreFocus, 0); }
  else { window.addEventListener("load", function () { window.setTimeout(restoreFocus, 0); }); }

  var agenda = document.querySelector("[data-agenda][data-editable]");
  var emptyAgenda = document.querySelector("[data-agenda-empty]");
  var dropZone = agenda || emptyAgenda;
  if (!dropZone) { return; }

  var dragged = null;       // the element being dragged
  var draggedKind = null;   // "item" (agenda) or "case" (pool)

  function clearMarks() {
    document.querySelectorAll(".drop-before, .drop-after, .drop-target").forEach(function (el) {
      el.classList.remove("drop-before", "drop-after", "drop-target");
    });
  }

  function itemAt(target) {
    return target && target.closest ? target.closest(".agenda-item") : null;
  }

  function before(item, event) {
    var box = item.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2;
  }

  document.querySelectorAll(".pool-case[draggable=true], .agenda-item[draggable=true]").forEach(function (el) {
    el.addEventListener("dragstart", function (event) {
      // Let people select text and use the form controls inside a row.
      if (event.target.closest && event.target.closest("input, select, button")) { event.preventDefault(); return; }
      dragged = el;
      draggedKind = el.classList.contains("agenda-item") ? "item" : "case";
      el.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", el.dataset.itemId || el.dataset.caseId || "");
    });
    el.addEventListener("dragend", function () {
      el.classList.remove("dragging");
      dragged = null;
      draggedKind = null;
      clearMarks();
    });
  });

  var section = document.getElementById("agenda");
  section.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    clearMarks();
    var item = itemAt(event.target);
    if (draggedKind === "item" && item && item !== dragged) {
      item.classList.add(before(item, event) ? "drop-before" : "drop-after");
    } else if (draggedKind === "case") {
      dropZone.classList.add("drop-target");
    }
  });
  section.addEventListener("dragleave", function (event) {
    if (!section.contains(event.relatedTarget)) { clearMarks(); }
  });
  section.addEventListener("drop", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    var item = itemAt(event.target);
    if (draggedKind === "case") {
      // The pool case's own Add button: the same request as a click, typed minutes included.
      var add = dragged.querySelector(".add-form button");
      clearMarks();
      if (add) { add.click(); }
      return;
    }
    if (!item || item === dragged || !agenda) { clearMarks(); return; }
    if (before(item, event)) { agenda.insertBefore(dragged, item); } else { agenda.insertBefore(dragged, item.nextSibling); }
    clearMarks();
    var order = Array.prototype.map.call(agenda.querySelectorAll(".agenda-item"), function (el) { return el.dataset.itemId; });
    form.querySelector("input[name=order]").value = order.join(",");
    var act = document.createElement("input");
    act.type = "hidden";
    act.name = "act";
    act.value = "reorder";
    form.appendChild(act);
    remember(dragged.id, "reorder");
    form.requestSubmit();
  });
})();
