// Calling display (叫号屏): follows the hall's live feed over WebSocket, re-renders the whole state on every
// message, speaks each call in Chinese, and on a lost connection reconnects and reloads the current state.
(function () {
  var hall = document.body.getAttribute('data-hall');
  var voiceOn = false;
  var lastSpoken = '';
  var retry = 1000;
  var offsetMinutes = 480;

  function text(tag, value) { var el = document.createElement(tag); el.textContent = value; return el; }

  function render(state) {
    var calls = document.getElementById('calls');
    calls.innerHTML = '';
    state.calls.forEach(function (call) {
      var row = document.createElement('tr');
      row.appendChild(text('td', call.number));
      row.appendChild(text('td', call.window + ' 号窗口'));
      row.appendChild(text('td', call.name || ''));
      row.appendChild(text('td', call.at + ' ' + call.state));
      if (call.state !== '已叫号') { row.className = 'done'; }
      calls.appendChild(row);
    });
    var waiting = document.getElementById('waiting');
    waiting.innerHTML = '';
    state.waiting.forEach(function (w) {
      waiting.appendChild(text('li', w.prefix + ' ' + w.name + '：' + w.count + ' 人'));
    });
    document.getElementById('paused').textContent = state.pausedWindows.length ? ('暂停服务窗口：' + state.pausedWindows.join('、') + ' 号') : '';
    offsetMinutes = state.offsetMinutes;
    var current = state.calls.filter(function (c) { return c.state === '已叫号'; })[0];
    if (state.announce) {
      document.getElementById('announce').textContent = state.announce;
      speak(state.announce);
    } else if (current) {
      document.getElementById('announce').textContent = '请 ' + current.number + ' 号到 ' + current.window + ' 号窗口办理';
    } else {
      document.getElementById('announce').textContent = '请留意叫号';
    }
  }

  function speak(sentence) {
    if (!voiceOn || !('speechSynthesis' in window) || sentence === lastSpoken) { return; }
    lastSpoken = sentence;
    var utterance = new SpeechSynthesisUtterance(sentence);
    utterance.lang = 'zh-CN';
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
    setTimeout(function () { lastSpoken = ''; }, 3000);
  }

  function reload() {
    fetch('/display/' + hall + '/state', { cache: 'no-store' })
      .then(function (r) { return r.json(); }).then(render).catch(function () {});
  }

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + '/display/' + hall + '/live');
    var status = document.getElementById('connection');
    socket.onopen = function () { status.textContent = '实时'; status.className = 'connection live'; retry = 1000; };
    socket.onmessage = function (event) { render(JSON.parse(event.data)); };
    socket.onclose = function () {
      status.textContent = '连接中断，正在重连…'; status.className = 'connection lost';
      setTimeout(function () { reload(); connect(); }, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  document.getElementById('voice').addEventListener('click', function () {
    voiceOn = !voiceOn;
    this.textContent = voiceOn ? '语音播报已开启' : '开启语音播报';
    if (voiceOn) { speak('语音播报已开启'); }
  });
  if (location.search.indexOf('voice=1') >= 0) { voiceOn = true; document.getElementById('voice').textContent = '语音播报已开启'; }
  setInterval(function () {
    // The hall's time, whatever the zone of the screen's PC.
    var hall = new Date(Date.now() + offsetMinutes * 60000);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    document.getElementById('clock').textContent = two(hall.getUTCHours()) + ':' + two(hall.getUTCMinutes()) + ':' + two(hall.getUTCSeconds());
  }, 1000);
  reload();
  connect();
})();
