/* Case form: biomarker rows added and removed in the page, fields shown per kind,
   approved gene symbols filled in, the ICD-10 description looked up as you type.
   Without this script every field shows and the buttons post the form instead. */
(function () {
  "use strict";

  function showKindFields(card) {
    var select = card.querySelector("select[name$='-kind']");
    var kind = select ? select.value : "";
    card.querySelectorAll(".bm-f[data-kinds]").forEach(function (wrapper) {
      var kinds = wrapper.getAttribute("data-kinds").split(" ");
      var hasError = wrapper.classList.contains("has-error");
      wrapper.classList.toggle("kind-hidden", !hasError && kinds.indexOf(kind) === -1);
    });
  }

  function renumber(list) {
    list.querySelectorAll(".bm-card").forEach(function (card, index) {
      var number = card.querySelector("[data-number]");
      if (number) { number.textContent = String(index + 1); }
    });
  }

  function setUpCard(card, list) {
    var select = card.querySelector("select[name$='-kind']");
    if (select) {
      select.addEventListener("change", function () { showKindFields(card); });
    }
    var remove = card.querySelector("[data-remove-row]");
    if (remove) {
      remove.addEventListener("click", function (event) {
        event.preventDefault();
        var next = card.nextElementSibling || card.previousElementSibling;
        card.remove();
        renumber(list);
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
    showKindFields(card);
  }

  function setUpForm(form) {
    var list = form.querySelector("[data-bm-list]");
    var template = document.getElementById("bm-template");
    var add = form.querySelector("[data-add-row]");
    if (!list || !template || !add) { return; }
    form.classList.add("kinds-live");
    list.querySelectorAll(".bm-card").forEach(function (card) { setUpCard(card, list); });
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(list.getAttribute("data-next-index") || "0", 10);
      list.setAttribute("data-next-index", String(index + 1));
      var html = template.innerHTML.split("__prefix__").join(String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var card = holder.querySelector(".bm-card");
      list.appendChild(card);
      setUpCard(card, list);
      renumber(list);
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
          output.textContent = data.valid ? (output.getAttribute("data-prefix") || "") + " " + data.code + " — " + data.description : data.message;
        })
        .catch(function () { /* offline: the server checks on save */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 350);
    });
  }

  function setUpConfirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
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
    if (form) { setUpForm(form); setUpIcdLookup(); focusProblems(); }
    setUpConfirms();
  });
}());
