// Quiz attempt page: save answers as the trainee goes, show the time left, submit at the
// deadline. Without this script the page still works: "Save" and "Submit" are plain buttons.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var status = form.querySelector(".save-status");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var pending = null, inFlight = false, dirty = false;

  function answers() {
    var out = {};
    form.querySelectorAll("fieldset.question").forEach(function (set) {
      var key = set.id.replace(/^question-/, "");
      var pairs = set.querySelector("[data-type=matching]");
      if (pairs) {
        out[key] = {};
        pairs.querySelectorAll("select[data-left]").forEach(function (s) {
          out[key][s.dataset.left] = s.value || null;
        });
        return;
      }
      var steps = set.querySelector("[data-type=ordering]");
      if (steps) {
        var rows = Array.prototype.slice.call(steps.querySelectorAll("li[data-item]"));
        rows.sort(function (a, b) {
          return (+a.querySelector("select").value - +b.querySelector("select").value) ||
            (rows.indexOf(a) - rows.indexOf(b));
        });
        out[key] = rows.map(function (li) { return li.dataset.item; });
        return;
      }
      var boxes = set.querySelectorAll("input[type=checkbox]");
      if (boxes.length) {
        out[key] = Array.prototype.filter.call(boxes, function (b) { return b.checked; })
          .map(function (b) { return b.value; });
        return;
      }
      var radios = set.querySelectorAll("input[type=radio]");
      if (radios.length) {
        var picked = set.querySelector("input[type=radio]:checked");
        out[key] = picked ? picked.value : null;
        return;
      }
      var field = set.querySelector("input[type=text]");
      if (field) out[key] = field.value;
    });
    return out;
  }

  function save() {
    if (inFlight) { dirty = true; return; }
    inFlight = true; dirty = false;
    fetch(form.dataset.autosave, {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify({answers: answers()})
    }).then(function (response) {
      if (response.ok) {
        status.textContent = form.dataset.savedText;
      } else {
        return response.json().then(function (problem) {
          status.textContent = problem.detail || problem.title;
        });
      }
    }).catch(function () {
      status.textContent = form.dataset.offlineText;
      dirty = true;
    }).then(function () {
      inFlight = false;
      if (dirty && navigator.onLine !== false) schedule(3000);
    });
  }

  function schedule(delay) {
    clearTimeout(pending);
    pending = setTimeout(save, delay);
  }

  // ordering: buttons move a step up or down (the place lists follow); without the
  // script, the place lists alone do the job
  form.querySelectorAll("[data-type=ordering]").forEach(function (list) {
    function renumber() {
      list.querySelectorAll("li[data-item]").forEach(function (li, i) {
        li.querySelector("select").value = String(i + 1);
      });
    }
    list.querySelectorAll("li[data-item]").forEach(function (li) {
      [["up", "\u2191"], ["down", "\u2193"]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button move-" + pair[0];
        button.textContent = pair[1];
        button.setAttribute("aria-label", list.dataset[pair[0]]);
        button.addEventListener("click", function () {
          var other = pair[0] === "up" ? li.previousElementSibling : li.nextElementSibling;
          if (!other) return;
          if (pair[0] === "up") list.insertBefore(li, other); else list.insertBefore(other, li);
          renumber();
          button.focus();
          schedule(300);
        });
        li.appendChild(button);
      });
    });
    list.addEventListener("change", function (event) {
      // a place chosen in a list: put the step there, the others follow
      var li = event.target.closest("li[data-item]");
      var rows = Array.prototype.slice.call(list.querySelectorAll("li[data-item]"));
      var to = Math.min(rows.length, Math.max(1, +event.target.value)) - 1;
      rows.splice(rows.indexOf(li), 1);
      rows.splice(to, 0, li);
      rows.forEach(function (row) { list.appendChild(row); });
      renumber();
    });
  });

  // "submit" with blank questions: ask here rather than through a round trip (without the
  // script, the server asks on the next page); the timer's own submission never asks
  function blank(value) {
    if (value === null || value === undefined || value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") {
      return Object.keys(value).every(function (k) { return !value[k]; });
    }
    return false;
  }
  function confirmed() {
    var field = document.createElement("input");
    field.type = "hidden"; field.name = "confirm"; field.value = "1";
    form.appendChild(field);
  }
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.value !== "submit" || form.querySelector('input[name="confirm"]')) return;
    var values = answers();
    var missing = Object.keys(values).filter(function (k) { return blank(values[k]); });
    if (!missing.length) return;
    if (window.confirm(form.dataset.confirmText)) confirmed(); else event.preventDefault();
  });

  form.addEventListener("change", function () { schedule(300); });
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") schedule(1500);
  });
  window.addEventListener("online", function () { if (dirty) save(); });

  var timer = document.querySelector(".timer[data-deadline]");
  if (!timer) return;
  // the server's clock decides; the offset only makes the countdown honest on a wrong phone clock
  var offset = Date.parse(timer.dataset.now) - Date.now();
  var deadline = Date.parse(timer.dataset.deadline);
  timer.hidden = false;
  function tick() {
    var left = Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    timer.textContent = timer.dataset.label + " " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left <= 60) timer.classList.add("urgent");
    if (left === 0) {
      clearInterval(every);
      timer.textContent = timer.dataset.expiredText;
      var submit = form.querySelector('button[value="submit"]');
      if (submit) { confirmed(); submit.click(); }
    }
  }
  var every = setInterval(tick, 1000);
  tick();
})();
