// Studio uploader: ask for a ticket, send the bytes straight to storage with a progress bar,
// then ask the platform to check what arrived. Big files go in parts: a dropped connection
// costs one part, and choosing the same file again after a reload resumes where it stopped.
// window.elearnUpload(base, file, onProgress, onRetry) is the same path for the lesson
// editor (a pasted or dropped image); it resolves with the completion's answer (its snippet).
(function () {
  "use strict";
  if (!window.FormData || !window.fetch) { return; }
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept": "application/json" },
      body: body ? JSON.stringify(body) : null
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { var e = new Error(data.detail || r.status); e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function xhr(method, url, body, onProgress, headers) {
    return new Promise(function (resolve, reject) {
      var req = new XMLHttpRequest();
      req.open(method, url);
      Object.keys(headers || {}).forEach(function (k) { req.setRequestHeader(k, headers[k]); });
      req.upload.onprogress = function (e) { if (e.lengthComputable) { onProgress(e.loaded); } };
      req.onload = function () { (req.status < 300 ? resolve : reject)(new Error(req.status)); };
      req.onerror = function () { reject(new Error("network")); };
      req.send(body);
    });
  }

  function retry(task, onRetry, attempt) {
    attempt = attempt || 0;
    return task().catch(function (err) {
      if (attempt >= 6) { throw err; }
      var wait = Math.min(30000, 2000 * Math.pow(2, attempt));
      onRetry();
      return new Promise(function (r) { setTimeout(r, wait); })
        .then(function () { return retry(task, onRetry, attempt + 1); });
    });
  }

  function single(ticket, file, onProgress) {
    var form = new FormData();
    Object.keys(ticket.fields).forEach(function (k) { form.append(k, ticket.fields[k]); });
    form.append("file", file);
    var headers = ticket.url.charAt(0) === "/" ? { "X-CSRFToken": csrf } : {};
    return xhr("POST", ticket.url, form, function (n) {
      onProgress(Math.round(100 * n / file.size));
    }, headers);
  }

  function parts(base, ticket, file, onProgress, onRetry) {
    var size = ticket.multipart.part_size, count = ticket.multipart.parts;
    var url = base + "/" + ticket.id + "/parts";
    return api("GET", url).then(function (answer) {
      var done = {}, sent = 0;
      answer.done.forEach(function (n) { done[n] = true; sent += size; });
      var todo = [];
      for (var n = 1; n <= count; n++) { if (!done[n]) { todo.push(n); } }
      return todo.reduce(function (chain, number) {
        return chain.then(function () {
          return retry(function () {
            return api("POST", url, { numbers: [number] }).then(function (r) {
              var blob = file.slice((number - 1) * size, number * size);
              return xhr("PUT", r.urls[number], blob, function (n) {
                onProgress(Math.round(100 * Math.min(file.size, sent + n) / file.size));
              }, { "Content-Type": "application/octet-stream" });
            });
          }, onRetry).then(function () { sent += size; });
        });
      }, Promise.resolve());
    });
  }

  function upload(base, file, onProgress, onRetry) {
    onProgress = onProgress || function () {};
    onRetry = onRetry || function () {};
    var memo = "elearn-upload:" + base + ":" + file.name + ":" + file.size + ":" + file.lastModified;
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(memo)); } catch (e) { saved = null; }
    var ticketPromise = saved ? Promise.resolve(saved)
      : api("POST", base, { filename: file.name, content_type: file.type, size: file.size });
    return ticketPromise.then(function (ticket) {
      if (ticket.multipart) {
        try { window.localStorage.setItem(memo, JSON.stringify(ticket)); } catch (e) { /* full */ }
      }
      var sending = ticket.multipart ? parts(base, ticket, file, onProgress, onRetry)
        : single(ticket, file, onProgress);
      return sending.then(function () {
        return api("POST", base + "/" + ticket.id + "/complete");
      });
    }).then(function (done) {
      try { window.localStorage.removeItem(memo); } catch (e) { /* private mode */ }
      return done;
    }, function (err) {
      if (saved && err.status === 404) { window.localStorage.removeItem(memo); }
      throw err;
    });
  }
  window.elearnUpload = upload;

  var box = document.querySelector(".uploader[data-upload-url]");
  if (!box) { return; }
  var input = box.querySelector("input[type=file]");
  var bar = box.querySelector(".upload-progress");
  var status = box.querySelector(".upload-status");
  var base = box.getAttribute("data-upload-url");

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    bar.hidden = false; bar.value = 0; status.textContent = "…";
    upload(base, file, function (percent) { bar.value = percent; }, function () {
      status.textContent = box.getAttribute("data-retrying") || "…";
    }).then(function () {
      window.location.reload();
    }).catch(function (err) {
      status.textContent = err.message;
    });
  });
})();
