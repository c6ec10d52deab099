// Search by job id (#/search/<id>): asks every queue and the pending publishes for the id; one job opens, several are listed.
import { api, ApiError, seg, unsupported } from './api.js';
import { actionButton, h, relative, setText, syncRows, table, td, time } from './dom.js';
import { STATES } from './queue.js';

/** Look `id` up in every queue (an event published to several queues has the same id in each). */
export function searchPage(app, id) {
  const heading = h('h1', {}, 'Job ', h('code', {}, id));
  const note = h('p', { class: 'sub' }, 'searching every queue…');
  const results = table('results', ['Queue', 'State', 'Event', 'Attempt']);
  const cancel = actionButton('Cancel', () => api('DELETE', '/api/pending/' + seg(id)), { done: () => 'Cancelled pending publish ' + id, after: app.refresh });
  const pendingText = h('span');
  const pending = h('p', { class: 'notice', id: 'pending-match', hidden: true }, pendingText, ' ', cancel);
  let opened = false;
  return {
    el: h('section', { class: 'card' }, heading, note, pending, results),
    title: 'search ' + id,
    async refresh({ queues }) {
      let cannot = false;
      const found = (
        await Promise.all(
          queues.map((q) =>
            api('GET', `/api/queues/${seg(q.queue)}/jobs/${seg(id)}`).catch((err) => {
              if (unsupported(err)) {
                cannot = true;
                return undefined;
              }
              if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return undefined;
              throw err;
            }),
          ),
        )
      ).filter(Boolean);
      // A delayed publish is in no queue until it is due; the pending list is where it waits.
      const waiting = (await api('GET', '/api/pending?limit=1000').catch(() => [])).find((p) => p.id === id);
      pending.hidden = waiting === undefined;
      if (waiting) setText(pendingText, `A pending publish of ${waiting.name}, routed to its queues when due: ${time(waiting.dueAt)} (${relative(waiting.dueAt)}).`);
      // One match: go straight to it (replacing the search in the history, so Back returns to where the user was).
      if (found.length === 1 && !waiting && !opened) {
        opened = true;
        location.replace(`#/jobs/${seg(found[0].queue)}/${seg(found[0].id)}`);
        return;
      }
      setText(
        note,
        cannot
          ? 'This backend cannot look a job up by id (it lacks the jobLookup capability).'
          : found.length === 0
          ? `none: no queue holds a job with id ${id}`
          : found.length === 1
            ? 'one queue holds this id'
            : `${found.length} queues hold this id (an event routed to several queues keeps its id in each)`,
      );
      syncRows(
        results.tBodies[0],
        found,
        (j) => j.queue,
        (j) => h('tr', {}, td('Queue', h('a', { href: `#/jobs/${seg(j.queue)}/${seg(j.id)}` }, j.queue)), td('State'), td('Event', j.name), td('Attempt')),
        (tr, j) => {
          setText(tr.cells[1], STATES[j.state] ?? j.state);
          setText(tr.cells[3], j.attempt);
        },
      );
    },
  };
}
