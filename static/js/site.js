// Behaviour every page may use, wired here because the Content-Security-Policy forbids inline handlers.
(function () {
  "use strict";
  // <button data-print>: print the page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
