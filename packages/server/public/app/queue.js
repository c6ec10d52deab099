// A queue's page (#/queues/<queue>/<state>/<page>): counts, pause, throughput, one state's jobs in pages, actions.
import { api, seg, unsupported } from './api.js';
import { actionButton, breakable, errorDetails, h, relative, setText, showError, syncRows, td, time, toast } from './dom.js';
import { pauseButton, showPaused, stateBadge } from './queue-controls.js';
import { throughputChart } from './throughput.js';

/** Jobs per page. */
const PAGE_SIZE = 20;
/** The states a queue's jobs are listed by, with their tab labels. */
export const STATES = { ready: 'Ready', delayed: 'Delayed', inFlight: 'In flight', failed: 'Failed', completed: 'Completed' };
// Which time each state is ordered by, and what that time means.
const TIME = {
  ready: ['Published', (j) => j.createdAt],
  delayed: ['Due', (j) => j.dueAt],
  inFlight: ['Lease until', (j) => j.leaseUntil],
  failed: ['Failed', (j) => j.updatedAt ?? j.createdAt],
  completed: ['Completed', (j) => j.updatedAt],
};

const short = (value, max = 80) => {
  if (value === undefined) return '—';
  const text = JSON.stringify(value);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
};

/**
 * Cancel of a delayed job. The API cancels by id (`DELETE /api/pending/:id`), so a delayed copy of the same
 * event in another queue goes too: the button says so rather than pretend it is per queue.
 */
export function cancelButton(id, after) {
  const b = actionButton('Cancel', () => api('DELETE', '/api/pending/' + seg(id)), { done: () => 'Cancelled job ' + id, after });
  b.title = 'Cancels by id: a delayed copy of this event in another queue is cancelled too';
  return b;
}

/** Build the page of `queue` showing `state`, page `page` (1-based). */
export function queuePage(app, queue, state, page) {
  const q = seg(queue);
  const offset = (page - 1) * PAGE_SIZE;
  const base = '#/queues/' + q;
  const [timeLabel, timeOf] = TIME[state];
  const failed = state === 'failed';

  const chart = throughputChart(() => [queue]);
  const counts = h('p', { class: 'counts' });
  const patterns = h('p', { class: 'sub' });
  const head = h('section', { class: 'card queue-head' }, h('h1', {}, h('span', { class: 'name' }, queue), ' ', stateBadge(), ' ', pauseButton(() => queue, app.refresh)), counts, patterns);
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Job states' },
    Object.entries(STATES).map(([s, label]) =>
      h('a', { href: `${base}/${s}`, dataset: { state: s }, 'aria-current': s === state ? 'page' : undefined }, label, ' ', h('span', { class: 'count' })),
    ),
  );

  const selectAll = failed ? h('input', { type: 'checkbox', 'aria-label': 'Select every job on this page', onchange: () => tbody.querySelectorAll('input.pick').forEach((c) => (c.checked = selectAll.checked)) }) : null;
  const labels = [timeLabel, state === 'failed' ? 'Error' : state === 'inFlight' ? 'Progress' : state === 'completed' ? 'Result' : state === 'delayed' ? 'Last error' : 'Payload'];
  const jobs = h(
    'table',
    { id: 'jobs', class: 'rows' },
    h('thead', {}, h('tr', {}, failed ? h('th', { class: 'pick' }, selectAll) : null, ['Id', 'Event', 'Attempt', ...labels, ''].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody'),
  );
  const tbody = jobs.tBodies[0];

  const picked = () => [...tbody.querySelectorAll('input.pick:checked')].map((c) => c.closest('tr').dataset.job);
  const bulk = (verb, path, all) =>
    actionButton(
      `${verb} ${all ? 'all' : 'selected'}`,
      async () => {
        const ids = all ? undefined : picked();
        if (ids && ids.length === 0) {
          toast('Select failed jobs first', 'error');
          return false;
        }
        return api('POST', `/api/queues/${q}/failed/${path}`, ids ? { ids } : {});
      },
      {
        done: (r) => `${verb === 'Replay' ? 'Replayed' : 'Deleted'} ${r.count} failed job${r.count === 1 ? '' : 's'}`,
        after: () => {
          if (selectAll) selectAll.checked = false;
          return app.refresh();
        },
        confirmText: all ? `${verb} every failed job of ${queue}?` : undefined,
      },
    );
  const toolbar = failed ? h('div', { class: 'toolbar' }, bulk('Replay', 'replay', false), bulk('Delete', 'purge', false), bulk('Replay', 'replay', true), bulk('Delete', 'purge', true)) : null;

  const prev = h('a', { class: 'button', rel: 'prev', href: `${base}/${state}/${page - 1}` }, '← Newer');
  const next = h('a', { class: 'button', rel: 'next', href: `${base}/${state}/${page + 1}` }, 'Older →');
  if (state === 'ready' || state === 'delayed' || state === 'inFlight') {
    setText(prev, '← Previous');
    setText(next, 'Next →');
  }
  const where = h('span', { class: 'where' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, where, next);

  const limitation = h('p', { class: 'notice', hidden: true });
  const el = h('div', { class: 'queue-page' }, head, chart.card, h('section', { class: 'card' }, tabs, limitation, toolbar, jobs, pager));

  /**
   * This page of jobs, or null when the backend cannot list them. Failed jobs then come from the failed
   * store (every backend with one lists it, oldest first), so Replay and Delete still work.
   */
  async function listJobs() {
    try {
      return await api('GET', `/api/queues/${q}/jobs?state=${state}&limit=${PAGE_SIZE}&offset=${offset}`);
    } catch (err) {
      if (!unsupported(err)) throw err;
    }
    if (state !== 'failed') return null;
    const items = await api('GET', `/api/queues/${q}/failed?limit=${PAGE_SIZE}&offset=${offset}`);
    return items.map((f) => ({ ...f, updatedAt: f.failedAt }));
  }

  function jobActions(job) {
    const path = `/api/queues/${q}`;
    const id = seg(job.id);
    if (state === 'failed')
      return [
        actionButton('Replay', () => api('POST', path + '/failed/replay', { ids: [job.id] }), { done: () => 'Replayed job ' + job.id, after: app.refresh }),
        actionButton('Delete', () => api('POST', path + '/failed/purge', { ids: [job.id] }), { done: () => 'Deleted job ' + job.id, after: app.refresh }),
      ];
    if (state === 'delayed') return [cancelButton(job.id, app.refresh)];
    if (state === 'inFlight')
      return [
        actionButton('Abort', () => api('POST', `${path}/jobs/${id}/abort`, { reason: 'aborted from the dashboard' }), {
          done: (r) => (r.aborted ? 'Aborted job ' : 'Not running any more: job ') + job.id,
          after: app.refresh,
        }),
      ];
    return [];
  }

  function jobRow(job) {
    const detail = state === 'failed' ? errorDetails() : h('code');
    return h(
      'tr',
      { dataset: { job: job.id } },
      failed ? h('td', { class: 'pick' }, h('input', { type: 'checkbox', class: 'pick', 'aria-label': 'Select job ' + job.id })) : null,
      td('Id', h('a', { href: `#/jobs/${q}/${seg(job.id)}` }, job.id)),
      td('Event', breakable(job.name)),
      td('Attempt'),
      td(timeLabel),
      td(labels[1], detail),
      td('', jobActions(job)),
    );
  }
  function updateJobRow(tr, job) {
    const c = [...tr.cells].slice(failed ? 1 : 0);
    setText(c[2], job.attempt);
    const at = timeOf(job);
    setText(c[3], at ? `${time(at)} (${relative(at)})` : '—');
    const detail = c[4].firstChild;
    if (state === 'failed') showError(detail, job.error ?? { message: 'no error recorded' });
    else if (state === 'inFlight') setText(detail, short(job.progress));
    else if (state === 'completed') setText(detail, short(job.result));
    else if (state === 'delayed') setText(detail, job.error ? job.error.message : '—');
    else setText(detail, short(job.data));
  }

  return {
    el,
    title: queue,
    /** 1–5 open a state's tab, [ and ] the previous and next page (when there is one). */
    key(k) {
      const states = Object.keys(STATES);
      if (k >= '1' && k <= String(states.length)) location.hash = `${base}/${states[Number(k) - 1]}`;
      else if (k === '[' && !prev.hidden) location.hash = prev.getAttribute('href');
      else if (k === ']' && !next.hidden) location.hash = next.getAttribute('href');
    },
    async refresh({ queues }) {
      const mine = queues.find((x) => x.queue === queue);
      setText(patterns, mine ? (mine.patterns.length ? 'bound to ' + mine.patterns.join(', ') : 'no binding (sent to directly)') : 'no such queue yet');
      const [stats, list] = await Promise.all([api('GET', `/api/queues/${q}/stats`), listJobs()]);
      setText(limitation, list === null ? `This backend cannot list ${STATES[state].toLowerCase()} jobs (it lacks the listings capability); the counts above are exact.` : '');
      limitation.hidden = list !== null;
      showPaused(head, stats.paused);
      setText(counts, `${stats.ready} ready · ${stats.delayed} delayed · ${stats.inFlight} in flight · ${stats.failed} failed`);
      for (const a of tabs.children) setText(a.querySelector('.count'), a.dataset.state in stats ? stats[a.dataset.state] : '');
      const rows = list ?? [];
      syncRows(tbody, rows, (j) => j.id, jobRow, updateJobRow);
      const total = stats[state];
      const last = offset + rows.length;
      setText(where, rows.length === 0 ? (page === 1 ? 'none' : `page ${page}: none`) : `${offset + 1}–${last}` + (total !== undefined ? ` of ${total}` : ''));
      prev.toggleAttribute('hidden', page <= 1);
      next.toggleAttribute('hidden', total !== undefined ? last >= total : rows.length < PAGE_SIZE);
      if (toolbar) toolbar.hidden = rows.length === 0;
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
