// Completed and failed jobs per second, from the queues' durable counters, drawn by uPlot on a time axis.
import uPlot from '/vendor/uPlot.esm.js';
import { api, seg } from './api.js';
import { h, setText } from './dom.js';

/** How far back the chart reaches. */
const WINDOW_S = 5 * 60;
// Counters per queue as sampled: { t (s), completed, failed }; the rates are the differences.
const samples = new Map();

/** Read every queue's counters once (the page's refresh loop calls this); a queue whose backend has no counters is skipped. */
export async function sampleCounters(queues) {
  const t = Date.now() / 1000;
  await Promise.all(
    queues.map(async (queue) => {
      const list = samples.get(queue) ?? [];
      // A refresh right after an action would make a spike out of a short interval: sample at the poll's pace.
      if (list.length && t - list.at(-1).t < 1.5) return;
      const c = await api('GET', '/api/queues/' + seg(queue) + '/counters').catch(() => undefined);
      if (!c) return;
      list.push({ t, completed: c.completed, failed: c.failed });
      while (list.length > 2 && list[0].t < t - WINDOW_S) list.shift();
      samples.set(queue, list);
    }),
  );
}

/** The durable totals last read for `queues`. */
export function totals(queues) {
  let completed = 0;
  let failed = 0;
  for (const q of queues) {
    const last = samples.get(q)?.at(-1);
    completed += last?.completed ?? 0;
    failed += last?.failed ?? 0;
  }
  return { completed, failed };
}

// Rates between consecutive samples, summed over queues (one sampling round reads every queue at one time t).
function series(queues) {
  const byTime = new Map();
  for (const q of queues) {
    const list = samples.get(q) ?? [];
    for (let j = 1; j < list.length; j++) {
      const dt = list[j].t - list[j - 1].t || 1;
      const point = byTime.get(list[j].t) ?? { completed: 0, failed: 0 };
      point.completed += Math.max(0, list[j].completed - list[j - 1].completed) / dt;
      point.failed += Math.max(0, list[j].failed - list[j - 1].failed) / dt;
      byTime.set(list[j].t, point);
    }
  }
  const xs = [...byTime.keys()].sort((a, b) => a - b);
  return [xs, xs.map((t) => byTime.get(t).completed), xs.map((t) => byTime.get(t).failed)];
}

/** The time axis: from the oldest sample (at least a minute back, at most WINDOW_S) to now, so a fresh page's chart is not a sliver. */
function span(queues) {
  const now = Date.now() / 1000;
  const oldest = Math.min(now - 60, ...queues.map((q) => samples.get(q)?.[0]?.t ?? now));
  return [Math.max(now - WINDOW_S, oldest), now];
}

/** Jobs finished in the last `seconds` for `queues`, from the samples. */
function recent(queues, seconds) {
  const now = Date.now() / 1000;
  let completed = 0;
  let failed = 0;
  for (const q of queues) {
    const list = samples.get(q) ?? [];
    const last = list.at(-1);
    const first = list.find((s) => s.t >= now - seconds) ?? last;
    if (!last || !first) continue;
    completed += last.completed - first.completed;
    failed += last.failed - first.failed;
  }
  return { completed, failed };
}

/** A chart card for `queues()` (all queues on the overview, one on a queue page); call `update()` after each sample. */
export function throughputChart(queues) {
  const summary = h('p', { class: 'chart-summary' }, 'collecting…');
  const box = h('div', { class: 'chart', role: 'img' });
  const card = h('section', { class: 'card', id: 'throughput' }, h('h2', {}, 'Throughput ', h('small', {}, 'jobs per second over the last minutes (up to 5), from the durable counters')), box, summary);
  let plot;
  const size = () => ({ width: Math.max(240, box.clientWidth || 600), height: 180 });
  const resize = () => plot?.setSize(size());
  window.addEventListener('resize', resize);
  return {
    card,
    update() {
      if (!plot && box.isConnected) {
        plot = new uPlot(
          {
            ...size(),
            scales: { x: { time: true, range: () => span(queues()) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
            axes: [{}, { label: 'jobs/s', size: 50 }],
            series: [{}, { label: 'completed/s', stroke: '#2a8', fill: 'rgba(34,170,136,0.12)', width: 2 }, { label: 'failed/s', stroke: '#d33', width: 2 }],
            legend: { live: false },
          },
          series(queues()),
          box,
        );
      } else plot?.setData(series(queues()));
      const [xs, completed, failed] = series(queues());
      const clock = (s) => new Date(s * 1000).toLocaleTimeString();
      const [from, to] = span(queues());
      const rate = (list) => (list.at(-1) ?? 0).toFixed(1);
      box.setAttribute(
        'aria-label',
        `Jobs per second from ${clock(from)} to ${clock(to)}: ${xs.length ? `latest ${rate(completed)} completed/s, ${rate(failed)} failed/s` : 'no samples yet'}`,
      );
      const last = recent(queues(), 60);
      const all = totals(queues());
      setText(summary, `last minute: ${last.completed} completed, ${last.failed} failed · total ${all.completed} completed, ${all.failed} failed`);
    },
    destroy() {
      window.removeEventListener('resize', resize);
      plot?.destroy();
    },
  };
}
