// Import progress: polls the run's status while it runs, updates the bar, and reloads the page when done.
(function () {
  var box = document.getElementById('import-progress');
  if (!box || box.getAttribute('data-running') !== 'true') { return; }
  var bar = document.getElementById('bar');
  var text = document.getElementById('progress-text');
  function poll() {
    fetch(box.getAttribute('data-status-url'), { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        bar.max = status.total;
        bar.value = status.processed;
        text.textContent = status.processed + ' / ' + status.total + ' 行（' + status.percent + '%）';
        if (status.status === 'running') { setTimeout(poll, 500); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
