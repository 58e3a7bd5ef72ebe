// DOM helpers: elements are built with text nodes only (never innerHTML), so API data cannot inject markup.

/** h('button', { type: 'button', onclick }, 'Save') */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children like h(): nested arrays are flattened, null/undefined/false skipped. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export const uid = (prefix = 'f') => `${prefix}-${++ids}`;

/** A labelled form control: returns the wrapper; the control is `.control`. */
export function field(label, control, hint) {
  const id = control.id || uid();
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { id: hintId, class: 'hint' }, hint) : null);
  wrap.control = control;
  return wrap;
}

export function select(options, attrs = {}) {
  return h('select', attrs, options.map((o) => (typeof o === 'string' ? h('option', { value: o }, o) : h('option', { value: o.value }, o.label))));
}

/** A status line for results and errors (announced to screen readers). */
export function statusBox() {
  const el = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  el.error = (err) => clear(el, h('p', { class: 'error', role: 'alert' }, err?.message ?? String(err)));
  el.ok = (text) => clear(el, h('p', { class: 'ok' }, text));
  el.info = (text) => clear(el, h('p', { class: 'muted' }, text));
  el.clear = () => clear(el);
  return el;
}

/** Runs an async action with the button disabled meanwhile; errors land in `status`. */
export async function busy(button, status, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (err) {
    if (status) status.error(err);
    else throw err;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function table(columns, rows, { caption, empty = 'Nothing here yet.' } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { dataset: { label: c.label } }, c.render(r)))))),
    ),
  );
}

export function json(value) {
  return h('pre', { class: 'json', tabindex: '0' }, JSON.stringify(value, null, 2) ?? 'null');
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, d.toLocaleString());
}

export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function shortId(id) {
  return id ? `${id.slice(0, 8)}…` : '—';
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
