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

  // --- Typing is never lost to an ended session -----------------------------------
  // (1) While someone types in a data-unsaved-warning form, the session is kept alive: a
  // light request at most every few minutes, and only after typing since the last one, so
  // an unattended page still times out. (2) When such a form is sent, its values (never
  // files, passwords or the CSRF token) are kept in this tab's sessionStorage, never in
  // localStorage. If the save does not go through (the sign-in page or an error page comes
  // instead), the form offers them back the next time this tab shows it; a save that goes
  // through, "Discard", signing out or another person signing in in this tab forgets them.
  var KEPT = "mtb.typed:";              // + the form's action: its values, when, whose
  var PENDING = "mtb.typed.pending";    // the key of the form this tab just sent
  var KEEP_FOR = 12 * 3600 * 1000;      // a session's longest life (SESSION_MAX_HOURS)
  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var guarded = Array.prototype.slice.call(document.querySelectorAll("form[data-unsaved-warning]"));

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }  // storage turned off
  }
  function readKept(key) {
    var storage = store();
    try { return storage && JSON.parse(storage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function writeKept(key, kept) {
    var storage = store();
    try { if (storage) { storage.setItem(key, JSON.stringify(kept)); } } catch (e) { /* full: nothing kept */ }
  }
  function forget(key) {
    var storage = store();
    if (storage) { storage.removeItem(key); }
  }
  function forgetAll() {
    var storage = store();
    if (!storage) { return; }
    for (var i = storage.length - 1; i >= 0; i -= 1) {
      var key = storage.key(i);
      if (key && (key.indexOf(KEPT) === 0 || key === PENDING)) { storage.removeItem(key); }
    }
  }
  function keyOf(form) {
    // The attribute, not form.action: a field named "action" (the case form's buttons) hides it.
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    return KEPT + url.pathname + url.search;
  }
  function keptField(control) {
    if (!control.name || control.disabled || control.hasAttribute("data-carried") || control.name === "csrf_token") {
      return false;
    }
    if (!/^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)) { return false; }
    return !/^(file|password|submit|button|reset|image)$/.test(control.type);
  }
  function snapshot(form) {
    var fields = [], files = false;
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.type === "file" && control.files && control.files.length) { files = true; }
      if (!keptField(control)) { return; }
      if (control.type === "checkbox" || control.type === "radio") {
        fields.push([control.name, control.value, control.checked]);
      } else if (control.type === "select-multiple") {
        fields.push([control.name, Array.prototype.map.call(control.selectedOptions, function (o) { return o.value; })]);
      } else {
        fields.push([control.name, control.value]);
      }
    });
    return { at: Date.now(), user: user, page: window.location.pathname + window.location.search,
             fields: fields, files: files, interrupted: false };
  }

  // Rows a page script added before the save ("biomarkers-3-gene"): added again with the
  // form's own buttons, and rows the person had removed removed again, so that every kept
  // value finds its field. A button without a script would send the form: held back.
  var ROW = /^([A-Za-z_]+)-(\d+)-/;
  function rowsOf(form, list) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      var match = ROW.exec(control.name || "");
      if (match && match[1] === list) { found[match[2]] = true; }
    });
    return found;
  }
  function adderFor(form, list) {
    var rows = Object.keys(rowsOf(form, list));
    var field = rows.length ? form.querySelector("[name^='" + list + "-" + rows[0] + "-']") : null;
    for (var node = field; node && node !== form.parentNode; node = node.parentNode) {
      var adder = node.querySelector && node.querySelector("[data-add-row], [data-add-report]");
      if (adder) { return adder; }
    }
    return null;
  }
  function matchRows(form, fields) {
    var wanted = {};
    fields.forEach(function (entry) {
      var match = ROW.exec(entry[0]);
      if (match) { (wanted[match[1]] = wanted[match[1]] || {})[match[2]] = true; }
    });
    Object.keys(wanted).forEach(function (list) {
      var adder = adderFor(form, list);
      var highest = Math.max.apply(null, Object.keys(wanted[list]).map(Number));
      for (var tries = 0; adder && tries < 100 && !rowsOf(form, list)[highest]; tries += 1) {
        var before = Object.keys(rowsOf(form, list)).length;
        adder.click();
        if (Object.keys(rowsOf(form, list)).length === before) { break; }  // the list is full
      }
      Object.keys(rowsOf(form, list)).forEach(function (index) {
        if (wanted[list][index]) { return; }
        var remove = form.querySelector("[data-remove-row][value='" + list + "-" + index + "'], " +
                                        "[data-remove-report][value='" + list + "-" + index + "']");
        if (remove) { remove.click(); }
      });
    });
  }
  function fire(control) {
    control.dispatchEvent(new Event("input", { bubbles: true }));
    control.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function restore(form, kept) {
    var holdBack = function (event) { if (event.target === form) { event.preventDefault(); event.stopImmediatePropagation(); } };
    document.addEventListener("submit", holdBack, true);
    try { matchRows(form, kept.fields); } finally { document.removeEventListener("submit", holdBack, true); }
    var used = {};
    kept.fields.forEach(function (entry) {
      var name = entry[0], value = entry[1];
      var controls = Array.prototype.filter.call(form.elements, function (control) {
        return control.name === name && keptField(control);
      });
      if (controls.length && (controls[0].type === "checkbox" || controls[0].type === "radio")) {
        controls.forEach(function (control) {
          if (control.value === value && control.checked !== entry[2]) { control.checked = entry[2]; fire(control); }
        });
        return;
      }
      var control = controls[used[name] || 0];
      used[name] = (used[name] || 0) + 1;
      if (!control) { return; }
      if (control.matches("select[data-options-from]")) { fillOptions(control); }
      if (control.type === "select-multiple") {
        Array.prototype.forEach.call(control.options, function (option) { option.selected = value.indexOf(option.value) !== -1; });
      } else if (control.value !== value) {
        control.value = value;
      } else {
        return;
      }
      fire(control);
    });
  }

  function offer(form, key, kept, number) {
    var template = document.getElementById("typed-kept");
    if (!template) { return; }
    var banner = template.content.firstElementChild.cloneNode(true);
    var title = banner.querySelector("[data-title]");
    var time = new Date(kept.at).toLocaleTimeString(document.documentElement.lang || undefined,
                                                    { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    title.textContent = title.getAttribute("data-title").replace("{time}", time);
    title.id = "typed-kept-title-" + number;
    banner.setAttribute("aria-labelledby", title.id);
    banner.querySelector("[data-files]").hidden = !kept.files;
    form.parentNode.insertBefore(banner, form);
    banner.querySelector("[data-restore]").addEventListener("click", function () {
      restore(form, kept);
      forget(key);
      banner.querySelector("[data-choices]").remove();
      banner.querySelector("[data-explain]").hidden = true;
      banner.querySelector("[data-done]").hidden = false;
      banner.focus();
    });
    banner.querySelector("[data-discard]").addEventListener("click", function () {
      forget(key);
      banner.remove();
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
    if (!document.activeElement || document.activeElement === body) {
      banner.focus();
      banner.scrollIntoView({ block: "center" });
    }
  }

  (function keepTyping() {
    var storage = store();
    if (!storage) { return; }
    var keepsPage = body.hasAttribute("data-keeps-typed");
    var sent = storage.getItem(PENDING);
    if (sent) {
      var kept = readKept(sent);
      if (kept && keepsPage) {
        kept.interrupted = true;  // the save did not go through: the sign-in or an error page came
        writeKept(sent, kept);
        var note = document.querySelector("[data-typed-kept-note]");
        if (note) {
          note.hidden = false;
          var link = note.querySelector("[data-typed-kept-link]");
          if (link) { link.setAttribute("href", kept.page); }
        }
      } else {
        forget(PENDING);
        // It went through, or the form came back with what was typed in it: nothing to keep.
        if (kept && !kept.interrupted) { forget(sent); }
      }
    }
    guarded.forEach(function (form, number) {
      var key = keyOf(form), kept = readKept(key);
      if (!kept || !kept.interrupted || storage.getItem(PENDING) === key) { return; }
      if (kept.user !== user || Date.now() - kept.at > KEEP_FOR) { forget(key); return; }  // not theirs
      offer(form, key, kept, number);
    });
  })();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || !form.matches) { return; }
    if (form.matches("[data-forget-typed]")) { forgetAll(); return; }  // signing out
    if (!form.matches("form[data-unsaved-warning]") || !user) { return; }
    var key = keyOf(form);
    writeKept(key, snapshot(form));
    if (readKept(key)) {
      var storage = store();
      try { storage.setItem(PENDING, key); } catch (e) { /* full */ }
    }
  });

  var aliveUrl = body.getAttribute("data-keepalive-url");
  var aliveEvery = parseInt(body.getAttribute("data-keepalive-every") || "300", 10) * 1000;
  if (aliveUrl && guarded.length && window.fetch) {
    var lastContact = Date.now(), timer = null;
    var keepAlive = function () {
      timer = null;
      lastContact = Date.now();
      fetch(aliveUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .catch(function () { /* offline: the save will say so */ });
    };
    var typed = function () {
      if (timer !== null) { return; }
      timer = window.setTimeout(keepAlive, Math.max(0, lastContact + aliveEvery - Date.now()));
    };
    guarded.forEach(function (form) {
      form.addEventListener("input", typed);
      form.addEventListener("change", typed);
    });
  }

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
