/* Case form: report cards and biomarker rows added and removed in the page, each row's
   report chosen among the cards, fields shown per kind, approved gene symbols filled in,
   a fusion typed as one gene split into its partners, the ICD-10 description looked up
   as you type, and beside each checked field the form a save stores (or why it would be
   refused). Without this script every field shows and the buttons post the form instead. */
(function () {
  "use strict";

  var CHECKED_ELSEWHERE = ["transcript", "hgvs_c", "hgvs_p", "hgvs_g"];

  function showKindFields(card) {
    var select = card.querySelector("select[name$='-kind']");
    var kind = select ? select.value : "";
    card.querySelectorAll(".bm-f[data-kinds]").forEach(function (wrapper) {
      var kinds = wrapper.getAttribute("data-kinds").split(" ");
      var hasError = wrapper.classList.contains("has-error");
      wrapper.classList.toggle("kind-hidden", !hasError && kinds.indexOf(kind) === -1);
    });
  }

  function renumber(list, selector) {
    list.querySelectorAll(selector).forEach(function (card, index) {
      var number = card.querySelector("legend [data-number]");
      if (number) { number.textContent = String(index + 1); }
    });
  }

  /* At the limit an add button adds nothing and says why (the note beside it). */
  function atLimit(list, selector, note) {
    var max = parseInt(list.getAttribute("data-max") || "0", 10);
    var full = max > 0 && list.querySelectorAll(selector).length >= max;
    if (note) { note.hidden = !full; }
    return full;
  }

  function fieldOf(card, name) {
    return card.querySelector("[name$='-" + name + "']");
  }

  function fieldValue(card, name) {
    var input = fieldOf(card, name);
    return input ? input.value : "";
  }

  /* --- Reports: every row chooses among the cards, named as the cards are --- */

  function reportChoices(form) {
    var list = form.querySelector("[data-report-list]");
    var word = list ? list.getAttribute("data-report-word") : "Report";
    var choices = [];
    if (!list) { return choices; }
    list.querySelectorAll(".report-card").forEach(function (card, index) {
      var parts = [word + " " + (index + 1)];
      var assay = fieldValue(card, "assay").trim();
      var specimen = fieldOf(card, "specimen_type");
      if (assay) { parts.push(assay); }
      if (specimen && specimen.value) { parts.push(specimen.options[specimen.selectedIndex].text); }
      choices.push({ value: card.getAttribute("data-report"), label: parts.join(" · ") });
    });
    return choices;
  }

  function refreshReportSelects(form) {
    var choices = reportChoices(form);
    form.querySelectorAll(".bm-card select[name$='-report']").forEach(function (select) {
      var chosen = select.value;
      var none = select.options.length ? select.options[0].text : "—";
      select.innerHTML = "";
      select.appendChild(new Option(none, ""));
      choices.forEach(function (choice) {
        select.appendChild(new Option(choice.label, choice.value, false, choice.value === chosen));
      });
      if (!choices.some(function (c) { return c.value === chosen; })) { select.value = ""; }
    });
  }

  function setUpReportCard(card, form) {
    var list = form.querySelector("[data-report-list]");
    var remove = card.querySelector("[data-remove-report]");
    if (remove) {
      remove.addEventListener("click", function (event) {
        event.preventDefault();
        var next = card.nextElementSibling || card.previousElementSibling;
        card.remove();
        renumber(list, ".report-card");
        refreshReportSelects(form);
        atLimit(list, ".report-card", form.querySelector("#reports-limit[data-limit-note]"));
        var target = next ? next.querySelector("input, select") : form.querySelector("[data-add-report]");
        if (target) { target.focus(); }
      });
    }
    ["assay", "specimen_type"].forEach(function (name) {
      var input = fieldOf(card, name);
      if (input) { input.addEventListener("change", function () { refreshReportSelects(form); }); }
    });
  }

  function setUpReports(form) {
    var list = form.querySelector("[data-report-list]");
    var template = document.getElementById("report-template");
    var add = form.querySelector("[data-add-report]");
    if (!list || !template || !add) { return; }
    list.querySelectorAll(".report-card").forEach(function (card) { setUpReportCard(card, form); });
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var note = form.querySelector("#reports-limit[data-limit-note]");
      if (atLimit(list, ".report-card", note)) { return; }
      var index = parseInt(list.getAttribute("data-next-index") || "0", 10);
      list.setAttribute("data-next-index", String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.split("__prefix__").join(String(index));
      var card = holder.querySelector(".report-card");
      list.appendChild(card);
      setUpReportCard(card, form);
      renumber(list, ".report-card");
      refreshReportSelects(form);
      atLimit(list, ".report-card", note);
      var first = card.querySelector("input:not([type=hidden]), select");
      if (first) { first.focus(); }
    });
  }

  /* --- Live checks: the server says how a save would store each field --- */

  function show(output, message, state) {
    output.textContent = message || "";
    output.classList.toggle("invalid", state === "invalid");
    output.classList.toggle("warn", state === "warn");
  }

  function splitButton(card, output, five, three) {
    var label = output.getAttribute("data-split-label") || "Record as fusion";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = label.replace("{five}", five).replace("{three}", three);
    button.addEventListener("click", function () { splitFusion(card, five, three); });
    output.appendChild(document.createTextNode(" "));
    output.appendChild(button);
  }

  function splitFusion(card, five, three) {
    var kind = fieldOf(card, "kind");
    if (kind) { kind.value = "fusion"; }
    fieldOf(card, "gene").value = five;
    fieldOf(card, "gene_3p").value = three;
    card.querySelectorAll("[data-check-field='gene'], [data-check-field='gene_3p']").forEach(function (o) { show(o, ""); });
    showKindFields(card);
    fieldOf(card, "gene_3p").focus();
  }

  function checkVaf(card, output) {
    var text = fieldValue(card, "vaf").trim().replace(",", ".");
    var value = parseFloat(text);
    var message = "";
    if (text && !isNaN(value) && value > 0 && value <= 1) {
      message = (output.getAttribute("data-low") || "").replace("{vaf}", text);
    }
    show(output, message, message ? "warn" : "");
  }

  function setUpChecks(card, list) {
    var url = list.getAttribute("data-check-url");
    var outputs = card.querySelectorAll("[data-check-field]");
    if (!url || !outputs.length) { return; }
    var timers = {};
    function check(output) {
      var name = output.getAttribute("data-check-field");
      if (name === "vaf") { checkVaf(card, output); return; }
      var value = fieldValue(card, name).trim();
      if (!value) { show(output, ""); return; }
      var query = ["field=" + encodeURIComponent(name), "value=" + encodeURIComponent(value),
                   "gene=" + encodeURIComponent(fieldValue(card, "gene"))];
      CHECKED_ELSEWHERE.forEach(function (other) {
        if (other !== name) { query.push(other + "=" + encodeURIComponent(fieldValue(card, other))); }
      });
      fetch(url + "?" + query.join("&"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || fieldValue(card, name).trim() !== value) { return; }
          show(output, data.message, !data.valid ? "invalid" : (data.value ? "" : "warn"));
          if (name.indexOf("gene") === 0 && data.valid && data.message) { output.classList.add("warn"); }
          if (data.split) { splitButton(card, output, data.split[0], data.split[1]); }
        })
        .catch(function () { /* offline: the server checks on save */ });
    }
    function later(output) {
      var name = output.getAttribute("data-check-field");
      window.clearTimeout(timers[name]);
      timers[name] = window.setTimeout(function () { check(output); }, 350);
    }
    outputs.forEach(function (output) {
      var input = fieldOf(card, output.getAttribute("data-check-field"));
      if (input) { input.addEventListener("input", function () { later(output); }); }
    });
    /* The gene and the transcript change what the changes may say: check them again. */
    ["gene", "transcript", "hgvs_c", "hgvs_p"].forEach(function (name) {
      var input = fieldOf(card, name);
      if (!input) { return; }
      input.addEventListener("change", function () {
        outputs.forEach(function (output) {
          var other = output.getAttribute("data-check-field");
          if (other !== name && other.indexOf("hgvs") === 0) { later(output); }
        });
      });
    });
  }

  /* --- Biomarker rows --- */

  function setUpCard(card, list) {
    var select = fieldOf(card, "kind");
    if (select) {
      select.addEventListener("change", function () { showKindFields(card); });
    }
    var remove = card.querySelector("[data-remove-row]");
    if (remove) {
      remove.addEventListener("click", function (event) {
        event.preventDefault();
        var next = card.nextElementSibling || card.previousElementSibling;
        card.remove();
        renumber(list, ".bm-card");
        atLimit(list, ".bm-card", document.querySelector("#biomarkers-limit[data-limit-note]"));
        var focusTarget = next ? next.querySelector("select") : document.querySelector("[data-add-row]");
        if (focusTarget) { focusTarget.focus(); }
      });
    }
    card.querySelectorAll("button[data-symbol]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var input = document.getElementById(button.getAttribute("data-target"));
        if (input) {
          input.value = button.getAttribute("data-symbol");
          input.focus();
        }
      });
    });
    card.querySelectorAll("button[data-split-five]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        splitFusion(card, button.getAttribute("data-split-five"), button.getAttribute("data-split-three"));
      });
    });
    setUpChecks(card, list);
    showKindFields(card);
  }

  function setUpForm(form) {
    var list = form.querySelector("[data-bm-list]");
    var template = document.getElementById("bm-template");
    var add = form.querySelector("[data-add-row]");
    if (!list || !template || !add) { return; }
    form.classList.add("kinds-live");
    setUpReports(form);
    list.querySelectorAll(".bm-card").forEach(function (card) { setUpCard(card, list); });
    add.addEventListener("click", function (event) {
      event.preventDefault();
      if (atLimit(list, ".bm-card", form.querySelector("#biomarkers-limit[data-limit-note]"))) { return; }
      var index = parseInt(list.getAttribute("data-next-index") || "0", 10);
      list.setAttribute("data-next-index", String(index + 1));
      var html = template.innerHTML.split("__prefix__").join(String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var card = holder.querySelector(".bm-card");
      list.appendChild(card);
      refreshReportSelects(form);
      var report = fieldOf(card, "report");
      if (report && report.options.length > 1) { report.selectedIndex = 1; }  /* the first report */
      setUpCard(card, list);
      renumber(list, ".bm-card");
      atLimit(list, ".bm-card", form.querySelector("#biomarkers-limit[data-limit-note]"));
      var select = card.querySelector("select");
      if (select) { select.focus(); }
    });
  }

  function setUpIcdLookup() {
    var input = document.getElementById("icd10_code");
    var output = document.getElementById("icd10-description");
    if (!input || !output) { return; }
    var url = output.getAttribute("data-lookup");
    var timer = null;
    function lookup() {
      var code = input.value.trim();
      if (!code) { output.textContent = ""; return; }
      fetch(url + "?code=" + encodeURIComponent(code), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          output.classList.toggle("invalid", !data.valid);
          output.classList.toggle("warn", Boolean(data.valid && data.warning));
          output.textContent = data.valid
            ? (output.getAttribute("data-prefix") || "") + " " + data.code + " — " + data.description + (data.warning ? " " + data.warning : "")
            : data.message;
        })
        .catch(function () { /* offline: the server checks on save */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 350);
    });
  }

  /* After a failed save, keyboard and screen-reader users start at the list of
     problems (or the conflict notice), not at the top of the page. */
  function focusProblems() {
    var target = document.getElementById("error-summary") || document.getElementById("conflict");
    if (target) { target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("case-form");
    /* Forms marked data-confirm (removing a file) ask once: mtb.js does it on every page. */
    if (form) { setUpForm(form); setUpIcdLookup(); focusProblems(); }
  });
}());
