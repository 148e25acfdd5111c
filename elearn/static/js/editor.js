// The lesson editor on a slow connection: each language's preview re-rendered by the server
// (the sanitiser saving uses) a moment after typing stops; media inserted from the picker or
// pasted/dropped into the text (sent straight to storage, see upload.js); the texts saved
// every 20 s after a change and on leaving, with a copy kept on this device while offline.
// The page works without this script: Preview and Save are plain form buttons.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-form[data-preview-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var status = form.querySelector(".autosave-status");
  var keepKey = form.getAttribute("data-keep-key");
  var AUTOSAVE_MS = parseInt(form.getAttribute("data-autosave-ms") || "20000", 10);
  var columns = Array.prototype.slice.call(form.querySelectorAll(".editor-column[data-lang]"));
  var dirty = false, saving = false, timer = null;

  function say(key, extra) {
    status.textContent = (status.getAttribute("data-" + key) || "") + (extra ? " " + extra : "");
    status.setAttribute("data-state", key);
  }

  function field(column, name) {
    return form.querySelector("[name=" + name + "_" + column.getAttribute("data-lang") + "]");
  }

  // -- live preview ----------------------------------------------------------------------
  columns.forEach(function (column) {
    var textarea = field(column, "markdown");
    var target = column.querySelector("[data-live-preview]");
    var pending = null, wait = null;
    function refresh() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var body = new FormData();
      body.append("csrf_token", csrf);
      body.append("markdown", textarea.value);
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }, signal: pending.signal
      }).then(function (response) {
        return response.ok || response.status === 422 ? response.json() : null;
      }).then(function (data) {
        if (!data) { return; }
        var out = target.querySelector(".lesson-body");
        if (data.html === undefined) {  // refused (a problem): say why, as text
          out.textContent = data.detail || "";
        } else {
          out.innerHTML = data.html;  // sanitised by the server
        }
        target.hidden = false;
      }).catch(function () { /* offline or aborted: the Preview button still works */ });
    }
    textarea.addEventListener("input", function () {
      clearTimeout(wait);
      wait = setTimeout(refresh, 700);
    });
    column.refreshPreview = refresh;
  });

  // -- inserting media -------------------------------------------------------------------
  function insert(textarea, snippet) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    // a paragraph of its own, so an image or a player is not run into the sentence before
    var gap = !before || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var text = gap + snippet + "\n\n";
    textarea.value = before + text + after;
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  form.querySelectorAll("button[data-insert]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      insert(document.getElementById(button.getAttribute("data-target")),
             button.getAttribute("data-insert"));
      var picker = button.closest("details");
      if (picker) { picker.open = false; }
    });
  });

  function send(column, file) {
    var textarea = field(column, "markdown");
    var bar = column.querySelector(".upload-progress");
    var line = column.querySelector(".upload-status");
    if (!window.elearnUpload) { return; }
    if (!file.name || file.name === "image.png") {  // a pasted screenshot has no name of its own
      var ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
      file = new File([file], "pasted-" + Date.now() + "." + ext, { type: file.type });
    }
    bar.hidden = false; bar.value = 0;
    line.textContent = status.getAttribute("data-uploading");
    line.removeAttribute("data-state");
    window.elearnUpload(form.getAttribute("data-upload-url"), file, function (percent) {
      bar.value = percent;
    }).then(function (done) {
      bar.value = 100;
      line.textContent = status.getAttribute("data-uploaded");
      line.setAttribute("data-state", "uploaded");
      insert(textarea, done.snippet);
    }).catch(function (err) {
      bar.hidden = true;
      line.textContent = err.message;
      line.setAttribute("data-state", "error");
    });
  }

  columns.forEach(function (column) {
    var textarea = field(column, "markdown");
    var hint = column.querySelector(".js-only");
    if (hint) { hint.hidden = false; }
    textarea.addEventListener("paste", function (event) {
      var files = event.clipboardData ? Array.prototype.slice.call(event.clipboardData.files) : [];
      if (!files.length) { return; }  // text: the browser pastes it
      event.preventDefault();
      files.forEach(function (file) { send(column, file); });
    });
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
      }
    });
    textarea.addEventListener("drop", function (event) {
      var files = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files) : [];
      if (!files.length) { return; }
      event.preventDefault();
      textarea.focus();
      files.forEach(function (file) { send(column, file); });
    });
  });

  // -- autosave and the copy kept on this device -----------------------------------------
  function snapshot() {
    var texts = {};
    columns.forEach(function (column) {
      texts[column.getAttribute("data-lang")] = {
        title: field(column, "title").value,
        markdown: field(column, "markdown").value,
        base: field(column, "base").value
      };
    });
    return texts;
  }

  function keep() {
    try {
      window.localStorage.setItem(keepKey, JSON.stringify({ at: Date.now(), texts: snapshot() }));
    } catch (e) { /* full or private: the texts stay in the boxes */ }
  }

  function forget() {
    try { window.localStorage.removeItem(keepKey); } catch (e) { /* private mode */ }
  }

  function body() {
    var data = new FormData();
    data.append("csrf_token", csrf);
    var texts = snapshot();
    Object.keys(texts).forEach(function (lang) {
      data.append("title_" + lang, texts[lang].title);
      data.append("markdown_" + lang, texts[lang].markdown);
      data.append("base_" + lang, texts[lang].base);
    });
    return data;
  }

  function autosave(leaving) {
    clearTimeout(timer);
    timer = null;
    if (!dirty || saving) { return; }
    saving = true;
    keep();  // first on this device: the request may never arrive
    dirty = false;
    if (!leaving) { say("saving"); }
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", body: body(), credentials: "same-origin", keepalive: !!leaving,
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (answer) {
      saving = false;
      if (answer.status === 200) {
        Object.keys(answer.data.bases).forEach(function (lang) {
          var base = form.querySelector("[name=base_" + lang + "]");
          if (base) { base.value = answer.data.bases[lang]; }
        });
        if (!dirty) { forget(); }
        status.textContent = answer.data.message;
        status.setAttribute("data-state", "saved");
      } else if (answer.status === 409) {
        say("conflict");
      } else {
        say("refused", answer.data.detail || "");
      }
    }).catch(function () {
      saving = false;
      dirty = true;  // try again at the next tick or the next change
      say("offline");
      schedule();
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { autosave(false); }, AUTOSAVE_MS);
  }

  form.addEventListener("input", function (event) {
    if (!event.target.name || !/^(title|markdown)_/.test(event.target.name)) { return; }
    dirty = true;
    keep();
    if (!timer) { schedule(); }  // at most one save per interval while typing
  });
  window.addEventListener("online", function () { if (dirty) { autosave(false); } });
  window.addEventListener("pagehide", function () { autosave(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { autosave(true); }
  });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); forget(); });

  // a copy left from a visit that could not save: offer it back
  var kept = null;
  try { kept = JSON.parse(window.localStorage.getItem(keepKey)); } catch (e) { kept = null; }
  var current = JSON.stringify(snapshot());
  var restore = form.querySelector(".restore");
  if (kept && kept.texts && restore) {
    var differs = Object.keys(kept.texts).some(function (lang) {
      var now = JSON.parse(current)[lang];
      return now && (now.title !== kept.texts[lang].title || now.markdown !== kept.texts[lang].markdown);
    });
    if (differs) {
      restore.hidden = false;
      restore.querySelector("[data-restore]").addEventListener("click", function () {
        Object.keys(kept.texts).forEach(function (lang) {
          var title = form.querySelector("[name=title_" + lang + "]");
          var markdown = form.querySelector("[name=markdown_" + lang + "]");
          var base = form.querySelector("[name=base_" + lang + "]");
          if (!title || !markdown) { return; }
          // the base it was written from: saved since by someone else, the save says so
          if (base && kept.texts[lang].base !== undefined) { base.value = kept.texts[lang].base; }
          title.value = kept.texts[lang].title;
          markdown.value = kept.texts[lang].markdown;
          markdown.dispatchEvent(new Event("input", { bubbles: true }));
        });
        restore.hidden = true;
      });
      restore.querySelector("[data-discard]").addEventListener("click", function () {
        forget();
        restore.hidden = true;
      });
    } else {
      forget();
    }
  }
})();
