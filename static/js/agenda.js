/* Agenda builder: drag pool cases onto the agenda and drag agenda items to reorder.
   Everything here also works without JavaScript through the Add, ↑, ↓ buttons; this
   script only fills the same forms and submits them. */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.hidden = false;
    link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
  });

  var agenda = document.querySelector("[data-agenda][data-editable]");
  var emptyAgenda = document.querySelector("[data-agenda-empty]");
  var reorderForm = document.getElementById("reorder-form");
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
      var addForm = dragged.querySelector("form.add-form");
      clearMarks();
      if (addForm) { addForm.submit(); }
      return;
    }
    if (!item || item === dragged || !agenda || !reorderForm) { clearMarks(); return; }
    if (before(item, event)) { agenda.insertBefore(dragged, item); } else { agenda.insertBefore(dragged, item.nextSibling); }
    clearMarks();
    var order = Array.prototype.map.call(agenda.querySelectorAll(".agenda-item"), function (el) { return el.dataset.itemId; });
    reorderForm.querySelector("input[name=order]").value = order.join(",");
    reorderForm.submit();
  });
})();
