// A job's page (#/jobs/<queue>/<id>): state, payload, headers, attempts, error with stack, progress, times,
// result; the actions its state allows.
import { api, ApiError, seg, unsupported } from './api.js';
import { actionButton, errorDetails, h, pretty, relative, setText, showError, time } from './dom.js';
import { STATES, cancelButton } from './queue.js';

/** A progress value as a bar: a number is a percentage; an object's `percent` or `value` is used when numeric. */
function percentOf(progress) {
  const n = typeof progress === 'number' ? progress : typeof progress === 'object' && progress !== null ? (progress.percent ?? progress.value) : undefined;
  return typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

/** Build the page of job `id` of `queue`. */
export function jobPage(app, queue, id) {
  const q = seg(queue);
  const path = `/api/queues/${q}`;
  const stateBadge = h('span', { class: 'badge' });
  const gone = h('p', { class: 'notice', hidden: true });
  const field = (label) => {
    const dd = h('dd');
    return [h('dt', {}, label), dd];
  };
  const fields = {
    queue: field('Queue'),
    name: field('Event'),
    tid: field('Tid'),
    attempt: field('Attempts'),
    createdAt: field('Published'),
    updatedAt: field('Last change'),
    dueAt: field('Due'),
    leaseUntil: field('Lease until'),
  };
  const facts = h('dl', { class: 'facts' }, Object.values(fields).flat());
  const bar = h('progress', { max: 100 });
  const progressText = h('span');
  const progress = h('section', { class: 'card', id: 'progress', hidden: true }, h('h2', {}, 'Progress'), bar, ' ', progressText);
  const error = errorDetails();
  const errorCard = h('section', { class: 'card', id: 'error', hidden: true }, h('h2', {}, 'Error'), error);
  const payload = h('pre', { id: 'payload' });
  const headers = h('pre', { id: 'headers' });
  const result = h('pre', { id: 'result' });
  const resultCard = h('section', { class: 'card', id: 'result-card', hidden: true }, h('h2', {}, 'Result'), result);

  const after = () => app.refresh();
  const actions = {
    inFlight: actionButton('Abort', () => api('POST', `${path}/jobs/${seg(id)}/abort`, { reason: 'aborted from the dashboard' }), {
      done: (r) => (r.aborted ? 'Aborted job ' : 'Not running any more: job ') + id,
      after,
    }),
    failedReplay: actionButton('Replay', () => api('POST', path + '/failed/replay', { ids: [id] }), { done: () => 'Replayed job ' + id, after }),
    failedDelete: actionButton('Delete', () => api('POST', path + '/failed/purge', { ids: [id] }), { done: () => 'Deleted job ' + id, after }),
    delayed: cancelButton(id, after),
  };
  const toolbar = h('div', { class: 'toolbar' }, Object.values(actions));

  const el = h(
    'div',
    { class: 'job-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Queues'), ' / ', h('a', { href: '#/queues/' + q }, queue), ' / job'),
    h('section', { class: 'card' }, h('h1', {}, h('code', { class: 'id' }, id), ' ', stateBadge), gone, toolbar, facts),
    progress,
    errorCard,
    h('section', { class: 'card' }, h('h2', {}, 'Payload'), payload),
    h('section', { class: 'card' }, h('h2', {}, 'Headers'), headers),
    resultCard,
  );

  return {
    el,
    title: id,
    async refresh() {
      let job;
      try {
        job = await api('GET', `${path}/jobs/${seg(id)}`);
      } catch (err) {
        if (unsupported(err)) {
          gone.hidden = false;
          toolbar.hidden = true;
          setText(stateBadge, 'unknown');
          setText(gone, `This backend cannot look a job up by id (it lacks the jobLookup capability): ${err.message}.`);
          return;
        }
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      gone.hidden = job !== undefined;
      toolbar.hidden = job === undefined;
      if (!job) {
        setText(stateBadge, 'gone');
        stateBadge.className = 'badge gone';
        setText(gone, `Queue ${queue} no longer holds this job: it completed (and completed jobs are not kept), was deleted, cancelled, or never existed.`);
        return;
      }
      setText(stateBadge, STATES[job.state] ?? job.state);
      stateBadge.className = 'badge ' + job.state;
      const show = (key, text) => {
        const [dt, dd] = fields[key];
        dt.hidden = dd.hidden = text === undefined;
        if (text !== undefined) setText(dd, text);
      };
      const when = (v) => (v ? `${time(v)} (${relative(v)})` : undefined);
      show('queue', job.queue);
      show('name', job.name);
      show('tid', job.tid);
      show('attempt', String(job.attempt));
      show('createdAt', when(job.createdAt));
      show('updatedAt', when(job.updatedAt));
      show('dueAt', when(job.dueAt));
      show('leaseUntil', when(job.leaseUntil));

      progress.hidden = job.progress === undefined;
      const pct = percentOf(job.progress);
      if (pct === undefined) bar.removeAttribute('value');
      else bar.value = pct;
      bar.hidden = pct === undefined;
      setText(progressText, job.progress === undefined ? '' : typeof job.progress === 'number' ? job.progress + '%' : JSON.stringify(job.progress));

      errorCard.hidden = job.error === undefined;
      if (job.error) showError(error, job.error);
      setText(payload, pretty(job.data));
      setText(headers, pretty(job.headers && Object.keys(job.headers).length ? job.headers : undefined));
      resultCard.hidden = job.result === undefined;
      if (job.result !== undefined) setText(result, pretty(job.result));

      actions.inFlight.hidden = job.state !== 'inFlight';
      actions.failedReplay.hidden = actions.failedDelete.hidden = job.state !== 'failed';
      actions.delayed.hidden = job.state !== 'delayed';
    },
  };
}
