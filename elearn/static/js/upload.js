// Studio uploader: ask for a ticket, send the bytes straight to storage with a progress bar,
// then ask the platform to check what arrived. Small and dependency-free on purpose.
(function () {
  "use strict";
  var box = document.querySelector(".uploader[data-upload-url]");
  if (!box || !window.FormData) { return; }
  var input = box.querySelector("input[type=file]");
  var bar = box.querySelector(".upload-progress");
  var status = box.querySelector(".upload-status");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");

  function api(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept": "application/json" },
      body: body ? JSON.stringify(body) : null
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.detail || r.status); }
        return data;
      });
    });
  }

  function send(ticket, file) {
    return new Promise(function (resolve, reject) {
      var form = new FormData();
      Object.keys(ticket.fields).forEach(function (k) { form.append(k, ticket.fields[k]); });
      form.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open(ticket.method, ticket.url);
      if (ticket.url.charAt(0) === "/") { xhr.setRequestHeader("X-CSRFToken", csrf); }
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      };
      xhr.onload = function () { (xhr.status < 300 ? resolve : reject)(new Error(xhr.status)); };
      xhr.onerror = function () { reject(new Error(box.dataset.networkError || "network")); };
      xhr.send(form);
    });
  }

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    bar.hidden = false; bar.value = 0; status.textContent = "…";
    var url = box.getAttribute("data-upload-url");
    api(url, { filename: file.name, content_type: file.type, size: file.size })
      .then(function (ticket) {
        return send(ticket, file).then(function () {
          return api(url + "/" + ticket.id + "/complete");
        });
      })
      .then(function () { window.location.reload(); })
      .catch(function (err) { status.textContent = err.message; });
  });
})();
