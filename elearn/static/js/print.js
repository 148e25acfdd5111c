// The certificate's "Print" button: only shown when scripts run (else the help text says how).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
