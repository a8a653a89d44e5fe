/* Following the session: the live view and the presentation ask the server every few
   seconds whether the session moved on (another case, a decision saved...) and reload.
   The presentation also answers the keyboard: ← and → for the previous and next case,
   F for full screen, Esc to leave. Without this script both pages are still readable
   and have links; they just do not move by themselves. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-poll]");
  if (!root) { return; }
  var EVERY = 4000;

  var follow = root.getAttribute("data-live-url");
  if (follow) {
    var stamp = root.getAttribute("data-live-stamp");
    var poll = function () {
      fetch(root.getAttribute("data-live-poll"), { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          // Signed out (idle time, another tab): off to the sign-in page, and back here after it.
          if (response.status === 401) { window.location.reload(); return new Promise(function () {}); }
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (state && state.stamp !== stamp) { window.location.replace(follow); return; }
          window.setTimeout(poll, EVERY);
        })
        .catch(function () { window.setTimeout(poll, EVERY * 2); });  // offline for a moment: try again later
    };
    window.setTimeout(poll, EVERY);
  }

  if (!root.hasAttribute("data-present")) { return; }
  var fullscreen = document.querySelector("[data-fullscreen]");
  function toggleFullscreen() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); }
  }
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", toggleFullscreen);
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select")) { return; }
    var go = null;
    if (event.key === "ArrowRight" || event.key === "PageDown") { go = root.getAttribute("data-next"); }
    else if (event.key === "ArrowLeft" || event.key === "PageUp") { go = root.getAttribute("data-prev"); }
    else if (event.key === "Escape" && !document.fullscreenElement) { go = root.getAttribute("data-exit"); }
    else if (event.key === "f" || event.key === "F") { toggleFullscreen(); event.preventDefault(); return; }
    if (go) { event.preventDefault(); window.location.assign(go); }
  });
})();
