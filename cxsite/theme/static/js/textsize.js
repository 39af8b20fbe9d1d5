/* 大字 (large text) for older readers: loaded in <head> before the style sheet, without defer, so
   the remembered choice is on <html> before the first paint (no flash of small text). The choice
   is kept in this browser's localStorage (no cookie, nothing sent anywhere); the button that
   changes it is hidden until this script shows it, so without JavaScript nothing is offered. */
(function () {
  var KEY = "cxsite-text-size";
  var root = document.documentElement;

  function remembered() {
    try { return localStorage.getItem(KEY) === "large"; } catch (e) { return false; }
  }

  function remember(large) {
    // Storage can be switched off or full; the choice then lasts for this page only.
    try {
      if (large) { localStorage.setItem(KEY, "large"); } else { localStorage.removeItem(KEY); }
    } catch (e) { /* nothing to do */ }
  }

  // Written for old browsers as well (no NodeList.forEach, no classList.toggle's second argument).
  function buttons() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-text-size]"));
  }

  function apply(large) {
    if (large) { root.classList.add("text-large"); } else { root.classList.remove("text-large"); }
    buttons().forEach(function (button) {
      button.setAttribute("aria-pressed", large ? "true" : "false");
    });
  }

  apply(remembered());
  // Last: "js" shows the button early (see site.css), so only once the rest has worked.
  root.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    apply(root.classList.contains("text-large"));
    buttons().forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var large = !root.classList.contains("text-large");
        apply(large);
        remember(large);
      });
    });
  });

  // Another tab changed the choice: follow it, so every open page of the site agrees.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) { apply(remembered()); }
  });
})();
