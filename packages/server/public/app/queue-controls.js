// Pause/resume of a queue, shared by the overview's rows and the queue page.
import { api, seg } from './api.js';
import { actionButton, h, setText } from './dom.js';

/** The queue's state badge ("running" or "paused"), set by `showPaused`. */
export const stateBadge = () => h('span', { class: 'badge state' });

/** Pause or Resume `queue()`, whichever the state last shown by `showPaused` on an enclosing element calls for. */
export function pauseButton(queue, after) {
  const b = actionButton(
    'Pause',
    async () => {
      const paused = b.closest('[data-paused]')?.dataset.paused === 'true';
      return api('POST', '/api/queues/' + seg(queue()) + (paused ? '/resume' : '/pause'));
    },
    { done: (r) => (r.paused ? 'Paused queue ' : 'Resumed queue ') + r.queue, after },
  );
  b.classList.add('pause-toggle');
  return b;
}

/** Show `paused` on `container`: its data-paused, its badge and its pause button's label. */
export function showPaused(container, paused) {
  container.dataset.paused = String(Boolean(paused));
  const badge = container.querySelector('.badge.state');
  if (badge) {
    setText(badge, paused ? 'paused' : 'running');
    badge.classList.toggle('paused', Boolean(paused));
  }
  const button = container.querySelector('.pause-toggle');
  if (button) setText(button, paused ? 'Resume' : 'Pause');
}
