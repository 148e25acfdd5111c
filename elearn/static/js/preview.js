// Live preview in the lesson editor: re-render on the server (same sanitiser as on save)
// a moment after the author stops typing. The page works without this script.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-form[data-preview-url]");
  if (!form || !window.fetch) { return; }
  var textarea = form.querySelector("textarea[name=markdown]");
  var target = document.querySelector("[data-live-preview]");
  var timer = null;
  var pending = null;

  function refresh() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }, signal: pending.signal
    }).then(function (response) {
      return response.ok || response.status === 422 ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      var body = target.querySelector(".lesson-body");
      if (data.html === undefined) {  // refused (a problem): say why, as text
        body.textContent = data.detail || "";
      } else {
        body.innerHTML = data.html;  // sanitised by the server
      }
      target.hidden = false;
    }).catch(function () { /* offline or aborted: the Preview button still works */ });
  }

  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
})();
