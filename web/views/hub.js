// Hub records: pick a model, cursor-paged list, one record's data, links and history.
import { api, query } from '../api.js';
import { add, clear, field, h, json, select, shortId, statusBox, table, when } from '../dom.js';
import { allSubscriptions } from './subscriptions.js';

export const MODELS = ['Customer', 'Company', 'Address', 'Relationship', 'CustomerCategory', 'Location', 'ShippingMethod'];

/** A one-line summary of a record's data: name, email, or the first few scalar fields. */
function summary(data) {
  const name = [data.FirstName, data.LastName].filter(Boolean).join(' ') || data.Name || data.CompanyName || data.Description;
  const parts = [name, data.EmailAddress ?? data.Email].filter(Boolean);
  if (parts.length) return parts.join(' · ');
  return Object.entries(data).filter(([, v]) => v !== null && typeof v !== 'object').slice(0, 3).map(([k, v]) => `${k}: ${v}`).join(', ') || '(empty)';
}

export async function render(root, route, { go }) {
  const model = MODELS.includes(route.parts[0]) ? route.parts[0] : 'Customer';
  if (route.parts[1]) return renderRecord(root, model, route.parts[1]);
  const picker = select(MODELS, { name: 'model' });
  picker.value = model;
  picker.addEventListener('change', () => go(`#/hub/${picker.value}`));
  const where = h('input', { name: 'where', value: route.params.where ?? '', placeholder: 'EmailAddress:jane@example.com' });
  const filterForm = h('form', { class: 'row card', 'aria-label': 'Find hub records' }, field('Model', picker), field('Filter (Field:value; …)', where), h('button', { type: 'submit' }, 'Search'));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    go(`#/hub/${picker.value}${query({ where: where.value.trim() })}`);
  });
  const status = statusBox();
  const list = h('div');
  const pager = h('div', { class: 'actions' });
  add(root, h('h2', {}, 'Hub records'), filterForm, status, list, pager);

  const cursors = [undefined]; // cursor of each page seen, for going back
  let page = 0;
  const load = async () => {
    const data = await api('GET', `/hub/${model}/records${query({ limit: 25, cursor: cursors[page], where: route.params.where })}`);
    clear(
      list,
      table(
        [
          { label: 'Record', render: (r) => h('a', { href: `#/hub/${model}/${r.id}`, 'aria-label': `Open ${summary(r.data)}` }, summary(r.data)) },
          { label: 'Id', render: (r) => h('code', { title: r.id }, shortId(r.id)) },
          { label: 'Version', render: (r) => String(r.version) },
          { label: 'Updated', render: (r) => when(r.updatedAt) },
        ],
        data.items,
        { caption: `${model} records, page ${page + 1}`, empty: `No ${model} records${route.params.where ? ' match' : ' yet'}.` },
      ),
    );
    cursors[page + 1] = data.nextCursor ?? undefined;
    const prev = h('button', { type: 'button', class: 'secondary', disabled: page === 0 }, 'Previous page');
    const next = h('button', { type: 'button', class: 'secondary', disabled: !data.nextCursor }, 'Next page');
    prev.addEventListener('click', () => {
      page -= 1;
      load().catch((e) => status.error(e));
    });
    next.addEventListener('click', () => {
      page += 1;
      load().catch((e) => status.error(e));
    });
    clear(pager, prev, next);
  };
  await load();
  return undefined;
}

async function renderRecord(root, model, id) {
  const base = `/hub/${model}/records/${encodeURIComponent(id)}`;
  const [record, links, history, subs] = await Promise.all([api('GET', base), api('GET', `${base}/links`), api('GET', `${base}/history`), allSubscriptions()]);
  const subName = (sid) => (sid ? (subs.find((s) => s.id === sid)?.name ?? shortId(sid)) : '—');
  add(root, 
    h('p', {}, h('a', { href: `#/hub/${model}` }, `← All ${model} records`)),
    h('h2', {}, `${model}: ${summary(record.data)}`),
    h(
      'dl',
      { class: 'kv card' },
      h('dt', {}, 'Hub id'),
      h('dd', { class: 'mono' }, record.id),
      h('dt', {}, 'Version'),
      h('dd', {}, String(record.version)),
      h('dt', {}, 'Last written by'),
      h('dd', {}, subName(record.origin)),
      h('dt', {}, 'Created'),
      h('dd', {}, when(record.createdAt)),
      h('dt', {}, 'Updated'),
      h('dd', {}, when(record.updatedAt)),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'data-title' }, h('h3', { id: 'data-title' }, 'Data'), json(record.data)),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'links-title' },
      h('h3', { id: 'links-title' }, 'Links'),
      table(
        [
          { label: 'Subscription', render: (l) => subName(l.subscriptionId) },
          { label: 'External id', render: (l) => h('code', {}, l.externalId) },
          { label: 'Linked', render: (l) => when(l.createdAt) },
          { label: 'Transfers', render: (l) => h('a', { href: `#/transfers${query({ subscriptionId: l.subscriptionId, hubId: record.id })}` }, 'Show') },
        ],
        links.items,
        { empty: 'Not linked to any system yet.' },
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'history-title' },
      h('h3', { id: 'history-title' }, 'History'),
      table(
        [
          { label: 'Version', render: (e) => String(e.version) },
          { label: 'Action', render: (e) => e.action },
          { label: 'When', render: (e) => when(e.changedAt) },
          { label: 'By', render: (e) => subName(e.subscriptionId) },
          { label: 'Changes', render: (e) => (e.changes.length ? h('ul', {}, e.changes.map((c) => h('li', {}, h('code', {}, c.path), `: ${JSON.stringify(c.from) ?? '—'} → ${JSON.stringify(c.to) ?? '—'}`))) : '—') },
          { label: 'Transfer', render: (e) => (e.transferId ? h('a', { href: `#/transfers/${e.transferId}` }, 'Open') : '—') },
        ],
        [...history.items].reverse(),
        { empty: 'No history.' },
      ),
    ),
  );
  return undefined;
}
