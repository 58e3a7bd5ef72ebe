// Transfers & error log: filtered table, detail with error text and payload snapshots, replay.
import { api, query } from '../api.js';
import { add, badge, busy, clear, field, h, json, select, shortId, statusBox, table, when } from '../dom.js';
import { allSubscriptions } from './subscriptions.js';

const STATUSES = ['', 'error', 'retrying', 'success', 'filtered', 'pending', 'skipped'];
const FILTER_KEYS = ['status', 'subscriptionId', 'collectionId', 'direction', 'from', 'to', 'externalId', 'hubId', 'runId'];

/** ISO ↔ the value of an <input type="datetime-local"> (local time). */
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : '');

function errorText(t) {
  if (!t.errorMessage && !t.errorCode) return '—';
  return h('span', { class: t.status === 'error' ? 'error' : '' }, `${t.errorField ? `${t.errorField}: ` : ''}${t.errorMessage ?? ''}${t.errorCode ? ` (${t.errorCode})` : ''}`);
}

export async function render(root, route, { go }) {
  const subs = await allSubscriptions();
  const subName = (sid) => subs.find((s) => s.id === sid)?.name ?? shortId(sid);
  if (route.parts[0]) return renderTransfer(root, route.parts[0], subName, go);

  const filter = Object.fromEntries(FILTER_KEYS.filter((k) => route.params[k]).map((k) => [k, route.params[k]]));
  const status = select(STATUSES.map((s) => ({ value: s, label: s || 'Any status' })), { name: 'status' });
  status.value = filter.status ?? '';
  const sub = select([{ value: '', label: 'Any subscription' }, ...subs.map((s) => ({ value: s.id, label: s.name }))], { name: 'subscriptionId' });
  sub.value = filter.subscriptionId ?? '';
  const from = h('input', { type: 'datetime-local', name: 'from', value: toLocalInput(filter.from) });
  const to = h('input', { type: 'datetime-local', name: 'to', value: toLocalInput(filter.to) });
  const externalId = h('input', { name: 'externalId', value: filter.externalId ?? '' });
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Filter transfers' },
    h('div', { class: 'row' }, field('Status', status), field('Subscription', sub), field('From', from), field('To', to), field('External id', externalId), h('button', { type: 'submit' }, 'Apply filters')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = { ...filter, status: status.value, subscriptionId: sub.value, from: fromLocalInput(from.value), to: fromLocalInput(to.value), externalId: externalId.value.trim() };
    go(`#/transfers${query(next)}`);
  });

  const actionStatus = statusBox();
  const replayAll = h('button', { type: 'button', class: 'secondary' }, 'Replay all matching');
  replayAll.addEventListener('click', () => {
    const described = Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(', ') || 'no filter: every transfer';
    if (!window.confirm(`Replay every transfer matching (${described}) with the current mapping versions?`)) return;
    busy(replayAll, actionStatus, async () => {
      const result = await api('POST', '/transfers/replay', { filter });
      actionStatus.ok(`Replay queued for ${result.enqueued} transfer${result.enqueued === 1 ? '' : 's'}.`);
    });
  });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => go(location.hash));

  const listArea = h('div');
  const more = h('div', { class: 'actions' });
  add(root, h('h2', {}, filter.status === 'error' ? 'Error log' : 'Transfers'), form, h('div', { class: 'actions' }, refresh, replayAll), actionStatus, listArea, more);

  const rows = [];
  const load = async (cursor) => {
    const page = await api('GET', `/transfers${query({ ...filter, limit: 50, cursor })}`);
    rows.push(...page.items);
    clear(
      listArea,
      table(
        [
          { label: 'When', render: (t) => when(t.triggeredAt) },
          { label: 'Status', render: (t) => badge(t.status) },
          { label: 'Subscription', render: (t) => subName(t.subscriptionId) },
          { label: 'Direction', render: (t) => `${t.direction === 'TO_HUB' ? '→ hub' : '← hub'} (${t.trigger})` },
          { label: 'Record', render: (t) => h('code', {}, `${t.entity} ${t.externalId ?? ''}${t.hubId ? ` / ${shortId(t.hubId)}` : ''}`) },
          { label: 'Error', render: errorText },
          { label: 'Actions', render: (t) => h('a', { href: `#/transfers/${t.id}`, 'aria-label': `Details of transfer ${t.externalId ?? t.id}` }, 'Details') },
        ],
        rows,
        { caption: `${rows.length} transfer${rows.length === 1 ? '' : 's'}${page.nextCursor ? ' (more available)' : ''}`, empty: 'No transfers match.' },
      ),
    );
    clear(more);
    if (page.nextCursor) {
      const button = h('button', { type: 'button', class: 'secondary' }, 'Load more');
      button.addEventListener('click', () => busy(button, actionStatus, () => load(page.nextCursor)));
      more.append(button);
    }
  };
  await load();
  return undefined;
}

async function renderTransfer(root, id, subName, go) {
  const t = await api('GET', `/transfers/${encodeURIComponent(id)}`);
  const status = statusBox();
  const replay = h('button', { type: 'button' }, 'Replay');
  replay.addEventListener('click', () =>
    busy(replay, status, async () => {
      const result = await api('POST', '/transfers/replay', { ids: [t.id] });
      status.ok(`Replay queued (${result.enqueued}).`);
      if (result.transferIds?.[0]) {
        clear(status, h('p', { class: 'ok' }, 'Replay queued. ', h('a', { href: `#/transfers${query({ subscriptionId: t.subscriptionId, externalId: t.externalId ?? '' })}` }, 'See the transfers of this record')));
      }
    }),
  );
  const edited = h('textarea', { name: 'editedPayload', rows: 10, spellcheck: 'false' }, JSON.stringify(t.editedPayload ?? t.sourcePayload ?? {}, null, 2));
  const replayEdited = h('button', { type: 'submit', class: 'secondary' }, 'Replay with this payload');
  const editForm = h('form', {}, field('Edited source payload (JSON)', edited), h('div', { class: 'actions' }, replayEdited));
  editForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(replayEdited, status, async () => {
      let payload;
      try {
        payload = JSON.parse(edited.value);
      } catch (err) {
        throw new Error(`Edited payload: ${err.message}`);
      }
      const result = await api('POST', '/transfers/replay', { ids: [t.id], editedPayload: payload });
      status.ok(`Replay with the edited payload queued (${result.enqueued}).`);
    });
  });
  const kv = [
    ['Status', badge(t.status)],
    ['Subscription', h('a', { href: `#/subscriptions/${t.subscriptionId}` }, subName(t.subscriptionId))],
    ['Direction', t.direction],
    ['Trigger', t.trigger],
    ['Action', t.action ?? '—'],
    ['Entity', t.entity],
    ['External id', t.externalId ? h('code', {}, t.externalId) : '—'],
    ['Hub record', t.hubId && t.hubModel ? h('a', { href: `#/hub/${t.hubModel}/${t.hubId}` }, `${t.hubModel} ${shortId(t.hubId)}`) : '—'],
    ['Collection', t.collectionId ? h('a', { href: `#/collections/${t.collectionId}` }, `version ${t.collectionVersion ?? '?'}`) : '—'],
    ['Attempts', String(t.attempts)],
    ['Triggered', when(t.triggeredAt)],
    ['Finished', when(t.finishedAt)],
    ['Duration', t.durationMs === null ? '—' : `${t.durationMs} ms`],
    ['Replay of', t.replayOf ? h('a', { href: `#/transfers/${t.replayOf}` }, shortId(t.replayOf)) : '—'],
  ];
  add(root, 
    h('p', {}, h('a', { href: `#/transfers${query({ subscriptionId: t.subscriptionId })}` }, '← Transfers of this subscription')),
    h('h2', {}, `Transfer ${t.externalId ?? shortId(t.id)}`),
    t.errorMessage || t.errorCode
      ? h('div', { class: 'card', role: 'alert' }, h('h3', {}, 'Error'), h('p', { class: 'error transfer-error' }, t.errorMessage ?? ''), h('p', {}, t.errorField ? ['Field: ', h('code', {}, t.errorField), ' '] : '', t.errorCode ? ['Code: ', h('code', {}, t.errorCode)] : ''))
      : null,
    h('section', { class: 'card' }, h('dl', { class: 'kv' }, kv.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])), h('div', { class: 'actions' }, replay), status),
    h(
      'div',
      { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'src-title' }, h('h3', { id: 'src-title' }, 'Source payload'), json(t.sourcePayload ?? null)),
      h('section', { class: 'card', 'aria-labelledby': 'mapped-title' }, h('h3', { id: 'mapped-title' }, 'Mapped payload'), json(t.mappedPayload ?? null)),
    ),
    t.editedPayload ? h('section', { class: 'card' }, h('h3', {}, 'Edited payload this replay ran with'), json(t.editedPayload)) : null,
    t.direction === 'TO_HUB' ? h('details', { class: 'card' }, h('summary', {}, 'Replay with an edited source payload'), editForm) : null,
  );
  void go;
  return undefined;
}
