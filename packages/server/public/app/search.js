// Search by job id (#/search/<id>): asks every queue for the id; one match opens the job, several are listed.
import { api, ApiError, seg } from './api.js';
import { h, setText, syncRows, table, td } from './dom.js';
import { STATES } from './queue.js';

/** Look `id` up in every queue (an event published to several queues has the same id in each). */
export function searchPage(app, id) {
  const heading = h('h1', {}, 'Job ', h('code', {}, id));
  const note = h('p', { class: 'sub' }, 'searching every queue…');
  const results = table('results', ['Queue', 'State', 'Event', 'Attempt']);
  let opened = false;
  return {
    el: h('section', { class: 'card' }, heading, note, results),
    title: 'search ' + id,
    async refresh({ queues }) {
      const found = (
        await Promise.all(
          queues.map((q) =>
            api('GET', `/api/queues/${seg(q.queue)}/jobs/${seg(id)}`).catch((err) => {
              if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return undefined;
              throw err;
            }),
          ),
        )
      ).filter(Boolean);
      // One match: go straight to it (replacing the search in the history, so Back returns to where the user was).
      if (found.length === 1 && !opened) {
        opened = true;
        location.replace(`#/jobs/${seg(found[0].queue)}/${seg(found[0].id)}`);
        return;
      }
      setText(note, found.length === 0 ? `none: no queue holds a job with id ${id}` : `${found.length} queues hold this id (an event routed to several queues keeps its id in each)`);
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
