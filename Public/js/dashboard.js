// 实时看板: polls /dashboard.json every 5 s and writes the figures into the page (no framework). The figures span
// cases, tickets and work orders, which share no live event, so polling is simpler than following a feed; after a
// failure the next poll reloads the full state.
(function () {
  var updated = document.getElementById('dash-updated');
  var errorBox = document.getElementById('dash-error');

  function cell(text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  function render(state) {
    var figures = document.querySelectorAll('[data-figure]');
    for (var i = 0; i < figures.length; i++) {
      var key = figures[i].getAttribute('data-figure');
      if (key in state) { figures[i].textContent = String(state[key]); }
    }
    var body = document.getElementById('dash-waiting');
    body.innerHTML = '';
    state.waiting.forEach(function (w) {
      var row = document.createElement('tr');
      row.appendChild(cell(w.hall));
      row.appendChild(cell(w.prefix + ' ' + w.category));
      row.appendChild(cell(String(w.count), 'dash-count'));
      body.appendChild(row);
    });
    updated.textContent = '数据时间 ' + state.asOf;
    errorBox.textContent = '';
  }

  function poll() {
    fetch('/dashboard.json', { cache: 'no-store', credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) {
        if (r.status === 401) { throw new Error('登录已过期，请重新登录后查看'); }
        if (!r.ok) { throw new Error('暂时无法更新（' + r.status + '），稍后自动重试'); }
        return r.json();
      })
      .then(render)
      .catch(function (e) { errorBox.textContent = ' · ' + (e && e.message ? e.message : '连接中断，稍后自动重试'); });
  }

  setInterval(poll, 5000);
})();
