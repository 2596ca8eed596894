// Behaviour every page may use, wired here because the Content-Security-Policy forbids inline handlers.
(function () {
  "use strict";
  // <button data-print>: print the page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // <form data-once>: a second tap while the page is sending does not send it again.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        if (!b.disabled) { b.disabled = true; b.dataset.onceDisabled = "1"; }
      });
    });
  });
  // Back to a page the browser kept: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[data-once-disabled]").forEach(function (b) {
        b.disabled = false;
        delete b.dataset.onceDisabled;
      });
    });
  });
})();
