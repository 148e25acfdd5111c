// The Studio's outline: after a form (move up/down, move to another module, archive, add)
// the page comes back at #the-item; put the keyboard focus there too, so the author can
// press the same button again or go on from the item. Without this script the browser
// still scrolls to it and starts the next Tab from it.
(function () {
  "use strict";
  var id = decodeURIComponent(window.location.hash.slice(1));
  if (!id) { return; }

  function place() {
    var target = document.getElementById(id);
    if (!target || !target.closest(".studio-outline, .add-module")) { return; }
    if (target.tagName === "DETAILS") { target.open = true; }
    var control = target.matches("button, a, input, select, summary, [tabindex]")
      ? target : target.querySelector("input:not([type=hidden]), select, button");
    if (control && document.activeElement !== control) { control.focus(); }
  }

  // after the load: the browser's own move to the #fragment would take the focus away
  if (document.readyState === "complete") { place(); } else {
    window.addEventListener("load", function () { window.setTimeout(place, 0); });
  }
}());
