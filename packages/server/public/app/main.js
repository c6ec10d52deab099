// The dashboard's shell: hash routes (#/, #/queues/<q>/<state>/<page>, #/jobs/<q>/<id>, #/search/<id>), one
// refresh loop that updates the current page in place, the search box and keyboard shortcuts.
import { api, seg } from './api.js';
import { h, setText, toast } from './dom.js';
import { jobPage } from './job.js';
import { overview } from './overview.js';
import { STATES, queuePage } from './queue.js';
import { searchPage } from './search.js';
import { sampleCounters } from './throughput.js';

const POLL_MS = 2000;
const main = document.getElementById('view');
const status = document.getElementById('status');
let view;
let timer;
let running;
let again = false;

/** What the pages call after an action: refresh now (coalesced with a refresh already running). */
const app = { refresh: () => refresh() };

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, a, b, c] = parts;
  if (kind === 'queues' && a) {
    const state = b in STATES ? b : 'ready';
    const page = Math.max(1, Number.parseInt(c, 10) || 1);
    return queuePage(app, a, state, page);
  }
  if (kind === 'jobs' && a && b) return jobPage(app, a, b);
  if (kind === 'search' && a) return searchPage(app, a);
  return overview(app);
}

function show() {
  view?.destroy?.();
  view = route();
  main.replaceChildren(view.el);
  document.title = 'wrkr · ' + view.title;
  void refresh();
}

async function tick() {
  const queues = await api('GET', '/api/queues');
  await sampleCounters(queues.map((q) => q.queue));
  const shown = view;
  await shown.refresh({ queues });
  setText(status, 'updated ' + new Date().toLocaleTimeString());
  status.classList.remove('error');
}

async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  running = (async () => {
    do {
      again = false;
      try {
        await tick();
      } catch (err) {
        setText(status, 'error: ' + err.message);
        status.classList.add('error');
      }
    } while (again);
  })();
  await running;
  running = undefined;
  if (!document.hidden) timer = setTimeout(refresh, POLL_MS);
}

// A hidden tab polls nothing; it catches up as soon as it is shown again.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) clearTimeout(timer);
  else void refresh();
});

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('search-id');
  const id = input.value.trim();
  if (!id) return toast('Type a job id first', 'error');
  const target = '#/search/' + seg(id);
  if (location.hash === target) show();
  else location.hash = target;
  input.blur();
});

document.addEventListener('keydown', (e) => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  if (typing) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') {
    e.preventDefault();
    document.getElementById('search-id').focus();
  } else view.key?.(e.key);
});

window.addEventListener('hashchange', show);
document.body.append(h('footer', {}, 'Keys: / find a job by id · on a queue page 1–5 switch state, [ and ] turn pages. Every page has its own address: bookmark or share it.'));
show();
