// Mapping collections: list per subscription, read-only definition, and Preview of a sample record.
import { api, query } from '../api.js';
import { add, badge, busy, clear, field, h, json, select, statusBox, table } from '../dom.js';
import { allSubscriptions } from './subscriptions.js';

export async function render(root, route, { go }) {
  const id = route.parts[0];
  if (id) return renderCollection(root, id);
  const subs = await allSubscriptions();
  const subscriptionId = route.params.subscriptionId ?? subs[0]?.id ?? '';
  const picker = select([{ value: '', label: 'All subscriptions' }, ...subs.map((s) => ({ value: s.id, label: `${s.name} (${s.system})` }))], { name: 'subscriptionId' });
  picker.value = subscriptionId;
  picker.addEventListener('change', () => go(`#/collections${query({ subscriptionId: picker.value })}`));
  const { items } = await api('GET', `/mapping-collections${query({ subscriptionId })}`);
  const subName = (sid) => subs.find((s) => s.id === sid)?.name ?? sid;
  items.sort((a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name));
  add(root, 
    h('h2', {}, 'Mapping collections'),
    h('div', { class: 'row card' }, field('Subscription', picker)),
    table(
      [
        { label: 'Name', render: (c) => h('a', { href: `#/collections/${c.id}` }, c.name) },
        { label: 'Subscription', render: (c) => subName(c.subscriptionId) },
        { label: 'Direction', render: (c) => c.direction },
        { label: 'Hub model', render: (c) => c.hubModel },
        { label: 'Entity', render: (c) => c.entity },
        { label: 'Sync type', render: (c) => c.syncType },
        { label: 'Version', render: (c) => String(c.version) },
        { label: 'Enabled', render: (c) => badge(c.enabled ? 'enabled' : 'disabled', String(c.enabled)) },
      ],
      items,
      { caption: `${items.length} collection${items.length === 1 ? '' : 's'}`, empty: 'No mapping collections for this subscription. Install the templates from the subscription page.' },
    ),
  );
  return undefined;
}

function mappingsTable(mappings) {
  return table(
    [
      { label: '#', render: (_m) => String(mappings.indexOf(_m)) },
      { label: 'Type', render: (m) => m.type },
      { label: 'Source', render: (m) => h('code', {}, m.type === 'static' ? JSON.stringify(m.source) : String(m.source)) },
      { label: 'Destination', render: (m) => h('code', {}, m.destination) },
      { label: 'Options', render: (m) => [m.required ? 'required' : '', m.translationTable ? `table ${m.translationTable}` : '', m.defaultValue !== undefined ? `default ${JSON.stringify(m.defaultValue)}` : '', m.emptyLeavesUnchanged ? 'empty leaves unchanged' : ''].filter(Boolean).join(', ') || '—' },
    ],
    mappings,
    { empty: 'No mappings.' },
  );
}

function formula(label, text) {
  return text ? [h('h4', {}, label), h('pre', { class: 'json', tabindex: '0' }, text)] : null;
}

function childSection(child, depth = 0) {
  return h(
    'details',
    { class: 'card', open: depth === 0 },
    h('summary', {}, `Child “${child.name}”: ${child.sourceList} → ${child.destinationList} (${child.hubModel})`),
    formula('Filter', child.filter),
    child.matchOn?.length ? h('p', {}, `Match on: ${child.matchOn.join(', ')}`) : null,
    child.preventDuplicate ? h('p', {}, 'Prevents duplicates.') : null,
    mappingsTable(child.mappings),
    (child.children ?? []).map((c) => childSection(c, depth + 1)),
  );
}

async function renderCollection(root, id) {
  const c = await api('GET', `/mapping-collections/${encodeURIComponent(id)}`);
  const kv = [
    ['Direction', c.direction],
    ['Hub model', c.hubModel],
    ['Entity', c.entity],
    ['Sync type', c.syncType],
    ['Collision', `${c.collision.method}${c.collision.matchField ? ` on ${c.collision.matchField}` : ''}`],
    ['External id format', c.externalIdFormat],
    ['Triggers', (c.triggers ?? []).map((t) => (typeof t === 'string' ? t : JSON.stringify(t))).join(', ') || '—'],
    ['Version', String(c.version)],
    ['Enabled', c.enabled ? 'yes' : 'no'],
  ];
  const sample = h('textarea', { name: 'record', rows: 12, spellcheck: 'false' }, '{\n  \n}');
  const parent = h('textarea', { name: 'parent', rows: 4, spellcheck: 'false' });
  const run = h('button', { type: 'submit' }, 'Run preview');
  const status = statusBox();
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'preview-title' },
    h('h3', { id: 'preview-title' }, 'Preview'),
    h('p', { class: 'muted' }, `Paste a sample ${c.direction === 'TO_HUB' ? `${c.entity} record from the system` : `${c.hubModel} hub record`} as JSON. Nothing is written.`),
    field('Sample record (JSON)', sample),
    h('details', {}, h('summary', {}, 'Parent record (for child collections, optional)'), field('Parent record (JSON)', parent)),
    h('div', { class: 'actions' }, run),
    status,
    result,
  );
  const parseJson = (text, label) => {
    try {
      const value = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('it must be a JSON object');
      return value;
    } catch (err) {
      throw new Error(`${label}: ${err.message}`);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(run, status, async () => {
      status.clear();
      clear(result);
      const body = { record: parseJson(sample.value, 'Sample record') };
      if (parent.value.trim()) body.parent = parseJson(parent.value, 'Parent record');
      const out = await api('POST', `/mapping-collections/${c.id}/preview`, body);
      clear(
        result,
        h('p', {}, 'Result: ', badge(out.status), out.reason ? ` — ${out.reason}` : ''),
        out.errors.length
          ? [h('h4', {}, 'Errors'), h('ul', { class: 'error-list' }, out.errors.map((e) => h('li', { class: 'error' }, `${e.field ? `${e.field}: ` : ''}${e.message ?? JSON.stringify(e)}${e.code ? ` (${e.code})` : ''}`)))]
          : null,
        h('h4', {}, 'Output'),
        h('div', { class: 'preview-output' }, json(out.output)),
        h('h4', {}, 'Trace'),
        table(
          [
            { label: 'Destination', render: (t) => h('code', {}, t.destination) },
            { label: 'Type', render: (t) => t.type },
            { label: 'Source', render: (t) => h('code', {}, t.formula ?? (typeof t.source === 'string' ? t.source : JSON.stringify(t.source))) },
            { label: 'Read', render: (t) => (t.sourceValue === undefined ? '—' : h('code', {}, JSON.stringify(t.sourceValue))) },
            { label: 'Output', render: (t) => (t.error ? h('span', { class: 'error' }, t.error) : h('code', {}, t.unchanged ? '(unchanged)' : JSON.stringify(t.output) ?? 'undefined')) },
            { label: 'µs', render: (t) => String(t.micros ?? '') },
          ],
          out.trace,
          { empty: 'No trace.' },
        ),
      );
    });
  });

  add(root, 
    h('p', {}, h('a', { href: `#/collections?subscriptionId=${c.subscriptionId}` }, '← All collections of this subscription')),
    h('h2', {}, `Collection “${c.name}”`),
    c.description ? h('p', {}, c.description) : null,
    h('div', { class: 'grid2' }, h(
      'section',
      { class: 'card', 'aria-label': 'Definition' },
      h('dl', { class: 'kv' }, kv.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      formula('Filter', c.filter),
      formula('Error filter', c.errorFilter),
    ), form),
    h('section', { class: 'card', 'aria-labelledby': 'mappings-title' }, h('h3', { id: 'mappings-title' }, 'Mappings'), mappingsTable(c.mappings)),
    c.children.length ? h('section', { 'aria-label': 'Child collections' }, h('h3', {}, 'Child collections'), c.children.map((ch) => childSection(ch))) : null,
  );
  return undefined;
}
