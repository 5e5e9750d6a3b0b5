// Reference agent desk: connects to /desk over WebSocket, shows the pop of the call the agent
// answered. Agent id and token come from the URL fragment (#agent=..&token=..), which browsers never
// send to the server, or from the login form. The fragment is removed from the address bar as soon as it
// is read (history, bookmarks and a copied link would otherwise carry the token); the credentials stay in
// this tab's sessionStorage so a reload still signs in. The token goes to the server only in the first
// WebSocket message, never in a URL a proxy would log. No build step, no libraries.
(function () {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const STORED = 'ivr-desk-credentials';
  let socket = null;
  let current = null;      // the pop message on screen
  let retryMs = 500;
  let lastHeard = 0;       // Date.now() of the last message from the server
  let watchdog = null;
  let memory = null;       // { agent, token }; also in sessionStorage, so a reload of this tab signs in again

  function fromFragment() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (!p.has('agent') && !p.has('token')) return;
    remember(p.get('agent') || '', p.get('token') || '');
    history.replaceState(history.state, '', location.pathname + location.search);
  }

  function remember(agent, token) {
    memory = { agent, token };
    try {
      sessionStorage.setItem(STORED, JSON.stringify(memory));
    } catch (e) { /* storage disabled: this page's lifetime only */ }
  }

  function params() {
    if (!memory) {
      try {
        memory = JSON.parse(sessionStorage.getItem(STORED) || 'null');
      } catch (e) { /* storage disabled */ }
    }
    return { agent: (memory && memory.agent) || '', token: (memory && memory.token) || '' };
  }

  function forget() {
    memory = null;
    try { sessionStorage.removeItem(STORED); } catch (e) { /* storage disabled */ }
  }

  function setStatus(state, text) {
    const s = $('#status');
    s.dataset.state = state;
    s.textContent = text;
  }

  function connect() {
    const { agent, token } = params();
    if (!agent || !token) {
      $('#login').hidden = false;
      return;
    }
    $('#login').hidden = true;
    $('#agent').textContent = '坐席 ' + agent;
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    setStatus('connecting', '连接中');
    const ws = new WebSocket(scheme + location.host + '/desk');
    socket = ws;
    // Signed in by the first message: the server reads nothing else before it, and answers with hello.
    ws.onopen = () => { lastHeard = Date.now(); ws.send(JSON.stringify({ type: 'auth', agent, token })); };
    ws.onmessage = (e) => { lastHeard = Date.now(); handle(JSON.parse(e.data)); };
    ws.onclose = (e) => {
      clearInterval(watchdog);
      if (e.code === 1008) {            // refused (bad token): retrying cannot help
        forget();
        setStatus('refused', '拒绝连接：' + e.reason);
        $('#login').hidden = false;
        return;
      }
      reconnectLater(e.reason);
    };
  }

  function reconnectLater(reason) {
    // Each page waits between half and all of its back-off, so the desks of a whole floor, cut off together
    // by a server restart, do not all come back in the same instant.
    const wait = Math.round(retryMs * (0.5 + Math.random() / 2));
    setStatus('closed', '连接断开，' + Math.max(1, Math.round(wait / 1000)) + ' 秒后重连' + (reason ? '（' + reason + '）' : ''));
    setTimeout(connect, wait);
    retryMs = Math.min(retryMs * 2, 15000);
  }

  // A link that died without a close (server host gone, a network that drops packets) looks open for
  // minutes while pops go nowhere. The page pings every keepaliveSeconds and, having heard nothing for
  // two and a half of them, drops the link and reconnects.
  function keepAlive(seconds) {
    clearInterval(watchdog);
    if (!(seconds > 0)) return;
    const ws = socket;
    watchdog = setInterval(() => {
      if (socket !== ws || ws.readyState !== WebSocket.OPEN) {
        clearInterval(watchdog);
      } else if (Date.now() - lastHeard > seconds * 2500) {
        clearInterval(watchdog);
        ws.onclose = null;
        ws.onmessage = null;
        ws.close();
        reconnectLater('服务器无响应');
      } else {
        ws.send('{"type":"ping"}');
      }
    }, seconds * 1000);
  }

  function handle(m) {
    if (m.type === 'hello') {
      retryMs = 500;
      setStatus('open', '已连接');
      keepAlive(m.keepaliveSeconds);
    } else if (m.type === 'pop') {
      show(m);
    } else if (m.type === 'ended' && current && current.callId === m.callId) {
      $('#ended').hidden = false;
    } else if (m.type === 'error') {    // the server refused something this page sent (a correction)
      console.warn('desk server: ' + m.message);
    }
  }

  function confClass(c) {
    return c >= 0.8 ? 'high' : c >= 0.5 ? 'medium' : 'low';
  }

  function pct(c) {
    return Math.round(c * 100) + '%';
  }

  function show(m) {
    const sameCall = current && current.callId === m.callId;
    current = m;
    $('#waiting').hidden = true;
    $('#call').hidden = false;
    $('#ended').hidden = true;
    $('#call').dataset.callId = m.callId;
    $('#caller-number').textContent = m.callerNumber || '（未显示号码）';
    $('#hold').textContent = m.holdSeconds;
    const d = m.draft;
    $('#draft-id').textContent = d ? d.draftId : '';
    const statusText = { ok: '', missing: '（无草稿）', pending: '（草稿读取中）', unavailable: '（草稿暂不可用）' };
    $('#draft-status').textContent = m.draftStatus in statusText ? statusText[m.draftStatus] : m.draftStatus;
    $('#draft-status').title = m.draftError || '';
    $('#emergency').hidden = !(d && d.emergency);
    $('#intake').textContent = d ? d.intake : '';
    if (!sameCall || d) {
      fields(d ? d.fields : []);
      transcript(d ? d.transcript : '', d ? d.fields : []);
      $('#transcript-confidence').textContent = d && d.transcript ? '识别置信度 ' + pct(d.transcriptConfidence) : '';
      $('#transcript-confidence').className = 'conf ' + (d ? confClass(d.transcriptConfidence) : '');
    }
  }

  function fields(list) {
    const body = $('#fields tbody');
    body.textContent = '';
    for (const f of list) {
      const tr = document.createElement('tr');
      tr.dataset.field = f.key;
      const label = document.createElement('td');
      label.textContent = f.label;
      const valueCell = document.createElement('td');
      const input = document.createElement('input');
      input.id = 'field-' + f.key;
      input.value = f.value;
      input.dataset.original = f.value;
      input.addEventListener('change', () => corrected(tr, f.key, input));
      valueCell.appendChild(input);
      const conf = document.createElement('td');
      const badge = document.createElement('span');
      badge.className = 'conf ' + confClass(f.confidence);
      badge.id = 'conf-' + f.key;
      badge.textContent = pct(f.confidence);
      conf.appendChild(badge);
      const copyCell = document.createElement('td');
      const copy = document.createElement('button');
      copy.type = 'button';
      copy.textContent = '复制';
      copy.addEventListener('click', () => copyText(input.value));
      copyCell.appendChild(copy);
      tr.append(label, valueCell, conf, copyCell);
      tr.addEventListener('mouseenter', () => hover(f.key, true));
      tr.addEventListener('mouseleave', () => hover(f.key, false));
      body.appendChild(tr);
    }
  }

  // Marks every evidence span in the transcript; overlapping spans keep the first field's mark.
  function transcript(text, list) {
    const p = $('#transcript');
    p.textContent = '';
    const spans = [];
    for (const f of list) {
      for (const s of f.evidence || []) {
        if (s.end > s.start && s.end <= text.length) spans.push({ start: s.start, end: s.end, key: f.key });
      }
    }
    spans.sort((a, b) => a.start - b.start);
    let at = 0;
    for (const s of spans) {
      if (s.start < at) continue;
      p.appendChild(document.createTextNode(text.slice(at, s.start)));
      const mark = document.createElement('mark');
      mark.dataset.field = s.key;
      mark.textContent = text.slice(s.start, s.end);
      p.appendChild(mark);
      at = s.end;
    }
    p.appendChild(document.createTextNode(text.slice(at)));
  }

  function hover(key, on) {
    document.querySelectorAll('mark[data-field="' + key + '"]').forEach((m) => m.classList.toggle('hover', on));
    const row = document.querySelector('tr[data-field="' + key + '"]');
    if (row) row.classList.toggle('hover', on);
  }

  function corrected(tr, key, input) {
    const changed = input.value !== input.dataset.original;
    tr.classList.toggle('corrected', changed);
    if (changed && socket && socket.readyState === WebSocket.OPEN && current) {
      socket.send(JSON.stringify({ type: 'correction', callId: current.callId, field: key }));
    }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text);
      return;
    }
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }

  $('#copy-all').addEventListener('click', () => {
    const lines = ['来电号码：' + $('#caller-number').textContent];
    document.querySelectorAll('#fields tbody tr').forEach((tr) => {
      lines.push(tr.cells[0].textContent + '：' + tr.querySelector('input').value);
    });
    lines.push('原话：' + $('#transcript').textContent);
    copyText(lines.join('\n'));
  });
  document.querySelectorAll('button[data-copy]').forEach((b) =>
    b.addEventListener('click', () => copyText($(b.dataset.copy).textContent)));
  $('#login').addEventListener('submit', (e) => {
    e.preventDefault();
    remember($('#login-agent').value, $('#login-token').value);
    if (socket) socket.onclose = null;
    connect();
  });
  fromFragment();
  connect();
})();
