// Small DOM helpers: element builder, keyed row updates that keep what the user opened, toasts, times.

/** Build an element: `h('a', { href: '#/' }, 'text', child)`; `on*` attributes become listeners, `dataset` sets data-*. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

/** Set text only when it changed, so a selection or a focused element inside stays. */
export function setText(el, text) {
  const value = String(text);
  if (el.textContent !== value) el.textContent = value;
}

/**
 * Make `tbody` show `items` in order, one row per `key(item)`: existing rows are kept and passed to
 * `update` (so an opened <details>, a ticked checkbox or a focused button survive a refresh), new ones
 * built by `create`, gone ones removed. An empty list shows one row saying "none" (or `tbody.dataset.empty`).
 */
export function syncRows(tbody, items, key, create, update) {
  const existing = new Map([...tbody.children].filter((tr) => tr.dataset.key !== undefined).map((tr) => [tr.dataset.key, tr]));
  const rows = items.map((item) => {
    const k = key(item);
    let tr = existing.get(k);
    if (tr) existing.delete(k);
    else {
      tr = create(item);
      tr.dataset.key = k;
    }
    update(tr, item);
    return tr;
  });
  if (rows.length === 0) {
    const columns = tbody.closest('table')?.querySelectorAll('thead th').length || 1;
    const empty = tbody.querySelector('tr.empty') ?? h('tr', { class: 'empty' }, h('td', { colspan: columns }));
    setText(empty.firstChild, tbody.dataset.empty ?? 'none');
    rows.push(empty);
  }
  rows.forEach((tr, i) => {
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  while (tbody.children.length > rows.length) tbody.lastElementChild.remove();
}

/** `text` with break opportunities after dots and dashes, so a narrow column wraps `user.signed-up` between words. */
export function breakable(text) {
  return text.split(/(?<=[.\-_])/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

/** A table with labelled cells (the labels head each cell on a narrow screen). */
export function table(id, labels) {
  return h('table', { id, class: 'rows' }, h('thead', {}, h('tr', {}, labels.map((l) => h('th', { scope: 'col' }, l)))), h('tbody'));
}

/** A cell labelled for the narrow layout. */
export function td(label, ...children) {
  return h('td', { 'data-label': label }, ...children);
}

/** Show a message for a few seconds in the toast area (announced to screen readers). */
export function toast(message, kind = 'ok') {
  const el = h('div', { class: 'toast ' + kind }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * A button running `action`: disabled while it runs, its outcome shown as a toast (`done` turns the
 * action's answer into the message), then `after` (usually a refresh).
 */
export function actionButton(label, action, { done, after, confirmText } = {}) {
  const b = h('button', { type: 'button' });
  b.textContent = label;
  b.addEventListener('click', async () => {
    if (confirmText && !confirm(confirmText)) return;
    b.disabled = true;
    try {
      const answer = await action();
      if (answer !== false) toast(done ? done(answer) : label + ': done');
    } catch (err) {
      toast(label + ' failed: ' + err.message, 'error');
    } finally {
      b.disabled = false;
    }
    await after?.();
  });
  return b;
}

/** A local date and time, or "—". */
export const time = (value) => (value === undefined || value === null ? '—' : new Date(value).toLocaleString());

/** "in 5s" / "3m ago" beside a time, in its largest unit once rounded (59.9 minutes is "1h", not "60m"). */
export function relative(value) {
  if (value === undefined || value === null) return '';
  const s = Math.round((new Date(value).getTime() - Date.now()) / 1000);
  const abs = Math.abs(s);
  const m = Math.round(abs / 60);
  const hr = Math.round(abs / 3600);
  const text = abs < 60 ? abs + 's' : m < 60 ? m + 'm' : hr < 24 ? hr + 'h' : Math.round(abs / 86400) + 'd';
  // A time within half a second rounds to 0 (or -0, which `>= 0` would call the future): shown as past.
  return s > 0 ? 'in ' + text : text + ' ago';
}

/** A JSON value pretty-printed, or "none". */
export const pretty = (value) => (value === undefined ? 'none' : JSON.stringify(value, null, 2));

/** An error's message with its stack in a <details> the user may open (kept open across refreshes). */
export function errorDetails() {
  return h('details', { class: 'stack' }, h('summary'), h('pre'));
}
/** Fill an errorDetails element, leaving it open or closed as it is. */
export function showError(details, error) {
  setText(details.querySelector('summary'), (error.name && error.name !== 'Error' ? error.name + ': ' : '') + error.message);
  setText(details.querySelector('pre'), error.stack || 'no stack recorded');
}
