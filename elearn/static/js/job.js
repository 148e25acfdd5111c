// The job page: poll the job's JSON and move the bar; reload once it is over, so the
// page shows the result (the page also refreshes itself when scripts do not run).
(function () {
  var box = document.querySelector("[data-job]");
  if (!box) return;
  var bar = box.querySelector("[data-job-progress]");
  var delay = 1000;
  function poll() {
    fetch(box.dataset.job, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { delay = Math.min(delay * 2, 10000); return setTimeout(poll, delay); }
        bar.value = job.progress;
        bar.textContent = job.progress + " %";
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
