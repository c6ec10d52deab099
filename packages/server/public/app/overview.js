// The overview (#/): queues with live counts and pause, throughput, pending publishes, schedules, workers.
import { api, seg, unsupported } from './api.js';
import { actionButton, h, relative, setText, syncRows, table, td, time } from './dom.js';
import { throughputChart, totals } from './throughput.js';
import { pauseButton, showPaused, stateBadge } from './queue-controls.js';

const UNITS = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
/** A period in ms as its largest whole unit: 900000 → "15m". */
const period = (ms) => {
  const unit = UNITS.find(([, size]) => ms % size === 0);
  return unit ? ms / unit[1] + unit[0] : ms + 'ms';
};
const rule = (r) => ('every' in r ? 'every ' + period(r.every) : 'cron ' + r.cron + (r.tz ? ' ' + r.tz : ''));

/** Build the overview; `app.refresh()` redraws after an action. */
export function overview(app) {
  let queueNames = [];
  const chart = throughputChart(() => queueNames);
  const queues = table('queues', ['Queue', 'Ready', 'Delayed', 'In flight', 'Failed', 'Completed', 'State', '']);
  const pending = table('pending', ['Id', 'Event', 'Tid', 'Due', '']);
  const schedules = table('schedules', ['Name', 'Rule', 'Event', 'State', 'Next run', 'Last run', '']);
  const workers = table('workers', ['Id', 'Queues', 'In flight', 'Heartbeat', 'Started', 'Host']);
  const el = h(
    'div',
    { class: 'overview' },
    h('section', { class: 'card' }, h('h2', {}, 'Queues'), queues),
    chart.card,
    h('section', { class: 'card' }, h('h2', {}, 'Pending publishes ', h('small', {}, 'delayed, not yet routed to a queue')), pending),
    h('section', { class: 'card' }, h('h2', {}, 'Schedules'), schedules),
    h('section', { class: 'card' }, h('h2', {}, 'Workers'), workers),
  );

  function queueRow(q) {
    const link = h('a', { href: '#/queues/' + seg(q.queue) }, q.queue);
    const failed = h('a', { href: '#/queues/' + seg(q.queue) + '/failed' });
    return h(
      'tr',
      { dataset: { queue: q.queue } },
      td('Queue', link, h('div', { class: 'sub' })),
      td('Ready'),
      td('Delayed'),
      td('In flight'),
      td('Failed', failed),
      td('Completed'),
      td('State', stateBadge()),
      td('', pauseButton(() => q.queue, app.refresh)),
    );
  }
  function updateQueueRow(tr, q) {
    const c = tr.cells;
    setText(c[0].querySelector('.sub'), q.patterns.join(', '));
    setText(c[1], q.ready);
    setText(c[2], q.delayed);
    setText(c[3], q.inFlight);
    setText(c[4].firstChild, q.failed);
    c[4].classList.toggle('bad', q.failed > 0);
    setText(c[5], totals([q.queue]).completed);
    showPaused(tr, q.paused);
  }

  function pendingRow(p) {
    return h(
      'tr',
      { dataset: { pending: p.id } },
      td('Id', h('code', {}, p.id)),
      td('Event', p.name),
      td('Tid', p.tid ?? '—'),
      td('Due'),
      td('', actionButton('Cancel', () => api('DELETE', '/api/pending/' + seg(p.id)), { done: () => 'Cancelled pending publish ' + p.id, after: app.refresh })),
    );
  }

  function scheduleRow(s) {
    const path = '/api/schedules/' + seg(s.name);
    const tr = h('tr', { dataset: { schedule: s.name } }, td('Name', s.name), td('Rule'), td('Event'), td('State'), td('Next run'), td('Last run'));
    const toggle = actionButton('Pause', () => api('POST', path + (tr.dataset.active === 'true' ? '/pause' : '/resume')), {
      done: (info) => (info.active ? 'Resumed ' : 'Paused ') + s.name,
      after: app.refresh,
    });
    tr.append(
      td(
        '',
        actionButton('Trigger', () => api('POST', path + '/trigger'), { done: (p) => `Triggered ${s.name}: published event ${p.id}`, after: app.refresh }),
        toggle,
        actionButton(
          'Reschedule',
          () => {
            const current = JSON.parse(tr.dataset.rule);
            const every = prompt('Run every (e.g. 30s, 5 minutes), or leave empty for a cron expression', 'every' in current ? period(current.every) : '');
            if (every === null) return false;
            const body = { event: JSON.parse(tr.dataset.event), active: tr.dataset.active === 'true' };
            if (every) body.every = every;
            else {
              const cron = prompt('Cron expression', current.cron || '* * * * *');
              if (cron === null) return false;
              body.cron = cron;
            }
            return api('PUT', path, body);
          },
          { done: (info) => `Rescheduled ${s.name}: ${rule(info.rule)}`, after: app.refresh },
        ),
      ),
    );
    return tr;
  }
  function updateScheduleRow(tr, s) {
    const c = tr.cells;
    tr.dataset.active = String(s.active);
    tr.dataset.rule = JSON.stringify(s.rule);
    tr.dataset.event = JSON.stringify(s.event);
    setText(c[1], rule(s.rule));
    setText(c[2], s.event.name);
    setText(c[3], s.active ? 'active' : 'paused');
    c[3].className = s.active ? '' : 'paused';
    // A paused schedule fires nothing, so it has no next run to show.
    setText(c[4], s.active ? `${time(s.nextRunAt)} (${relative(s.nextRunAt)})` : '—');
    setText(c[5], s.lastRunAt ? `${time(s.lastRunAt)} (${relative(s.lastRunAt)})` : 'never');
    setText(c[6].querySelectorAll('button')[1], s.active ? 'Pause' : 'Resume');
  }

  function workerRow(w) {
    return h('tr', { dataset: { worker: w.id } }, td('Id', h('code', {}, w.id)), td('Queues'), td('In flight'), td('Heartbeat'), td('Started', time(w.startedAt)), td('Host'));
  }
  function updateWorkerRow(tr, w) {
    const c = tr.cells;
    const qs = w.meta.queues ?? [];
    c[1].replaceChildren(...(qs.length ? qs.flatMap((q, i) => [i ? ', ' : '', h('a', { href: '#/queues/' + seg(q) }, q)]) : ['none']));
    setText(c[2], w.meta.inFlight ?? '—');
    setText(c[3], (w.heartbeatAgeMs / 1000).toFixed(1) + 's ago');
    setText(c[5], [w.meta.host, w.meta.pid].filter((x) => x !== undefined).join(' pid ') || '—');
  }

  return {
    el,
    title: 'overview',
    async refresh({ queues: list }) {
      queueNames = list.map((q) => q.queue);
      // A list the backend cannot give shows as such, not as an empty one.
      const orMissing = (path, table) =>
        api('GET', path).then(
          (list) => {
            delete table.tBodies[0].dataset.empty;
            return list;
          },
          (err) => {
            if (!unsupported(err)) throw err;
            table.tBodies[0].dataset.empty = 'none: this backend does not keep this list';
            return [];
          },
        );
      const [pend, scheds, ws] = await Promise.all([orMissing('/api/pending?limit=100', pending), orMissing('/api/schedules', schedules), api('GET', '/api/workers')]);
      syncRows(queues.tBodies[0], list, (q) => q.queue, queueRow, updateQueueRow);
      syncRows(pending.tBodies[0], pend, (p) => p.id, pendingRow, (tr, p) => setText(tr.cells[3], `${time(p.dueAt)} (${relative(p.dueAt)})`));
      syncRows(schedules.tBodies[0], scheds, (s) => s.name, scheduleRow, updateScheduleRow);
      syncRows(workers.tBodies[0], ws, (w) => w.id, workerRow, updateWorkerRow);
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
