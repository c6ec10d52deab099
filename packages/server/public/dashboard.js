// wrkr dashboard: polls the JSON API and renders plain tables; no build step, no dependencies.
'use strict';

const POLL_MS = 2000;
const HISTORY = 120;
const history = [];
let token = sessionStorage.getItem('wrkr-token');

async function api(method, path, body) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && !res.headers.get('www-authenticate')) {
    token = prompt('API token');
    if (token) sessionStorage.setItem('wrkr-token', token);
    throw new Error('unauthorized');
  }
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || res.statusText);
  return data;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function button(label, action) {
  const b = document.createElement('button');
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await action();
      await refresh();
    } catch (err) {
      alert(err.message);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function fill(id, rows) {
  const tbody = document.querySelector('#' + id + ' tbody');
  tbody.replaceChildren(...rows);
}

function row(cells, dataset) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  Object.assign(tr.dataset, dataset || {});
  return tr;
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : '-');
const rule = (r) => ('every' in r ? 'every ' + r.every / 1000 + 's' : 'cron ' + r.cron + (r.tz ? ' ' + r.tz : ''));

async function refresh() {
  const [queues, schedules, workers] = await Promise.all([api('GET', '/api/queues'), api('GET', '/api/schedules').catch(() => []), api('GET', '/api/workers')]);
  fill('queues', queues.map((q) => row([cell(q.queue), cell(q.patterns.join(', ')), cell(q.ready, 'num'), cell(q.delayed, 'num'), cell(q.inFlight, 'num'), cell(q.failed, 'num')], { queue: q.queue })));

  fill('schedules', schedules.map((s) => {
    const actions = document.createElement('td');
    actions.append(
      button('Trigger', () => api('POST', '/api/schedules/' + encodeURIComponent(s.name) + '/trigger')),
      button(s.active ? 'Pause' : 'Resume', () => api('POST', '/api/schedules/' + encodeURIComponent(s.name) + (s.active ? '/pause' : '/resume'))),
      button('Reschedule', () => {
        const every = prompt('Run every (e.g. 30s, 5 minutes) — or leave empty for a cron expression', 'every' in s.rule ? s.rule.every / 1000 + 's' : '');
        if (every === null) return Promise.resolve();
        const body = { event: s.event, active: s.active };
        if (every) body.every = every;
        else body.cron = prompt('Cron expression', s.rule.cron || '* * * * *');
        return api('PUT', '/api/schedules/' + encodeURIComponent(s.name), body);
      }),
    );
    return row([cell(s.name), cell(rule(s.rule)), cell(s.event.name), cell(s.active ? 'yes' : 'paused'), cell(time(s.nextRunAt)), cell(time(s.lastRunAt)), actions], { schedule: s.name });
  }));

  const failedLists = await Promise.all(queues.filter((q) => q.failed > 0).map((q) => api('GET', '/api/queues/' + encodeURIComponent(q.queue) + '/failed?limit=50')));
  fill('failed', failedLists.flat().map((f) => {
    const error = document.createElement('td');
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = f.error.message;
    const pre = document.createElement('pre');
    pre.textContent = f.error.stack || '';
    details.append(summary, pre);
    error.append(details);
    const actions = document.createElement('td');
    const path = '/api/queues/' + encodeURIComponent(f.queue) + '/failed/';
    actions.append(button('Replay', () => api('POST', path + 'replay', { ids: [f.id] })), button('Delete', () => api('POST', path + 'purge', { ids: [f.id] })));
    return row([cell(f.queue), cell(f.id), cell(f.name), cell(f.attempt, 'num'), cell(time(f.failedAt)), error, actions], { failedId: f.id });
  }));

  fill('workers', workers.map((w) => row([cell(w.id), cell((w.heartbeatAgeMs / 1000).toFixed(1) + 's', 'num'), cell(time(w.startedAt)), cell((w.meta.queues || []).join(', ')), cell(w.meta.inFlight ?? '-', 'num')], { worker: w.id })));

  const totals = queues.reduce((t, q) => ({ ready: t.ready + q.ready, inFlight: t.inFlight + q.inFlight }), { ready: 0, inFlight: 0 });
  history.push(totals);
  if (history.length > HISTORY) history.shift();
  draw();
  document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString();
}

// Lag (ready items waiting) in blue and work in flight in green, over the last HISTORY polls.
function draw() {
  const canvas = document.getElementById('chart');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1, ...history.map((h) => Math.max(h.ready, h.inFlight)));
  const step = canvas.width / (HISTORY - 1);
  for (const [key, color] of [['ready', '#36c'], ['inFlight', '#3a3']]) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    history.forEach((h, i) => {
      const x = i * step;
      const y = canvas.height - 4 - (h[key] / max) * (canvas.height - 8);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
  ctx.fillStyle = '#222';
  ctx.fillText('max ' + max + '  — ready (blue), in flight (green)', 6, 12);
}

async function loop() {
  try {
    await refresh();
  } catch (err) {
    document.getElementById('status').textContent = 'error: ' + err.message;
  }
  setTimeout(loop, POLL_MS);
}

loop();
