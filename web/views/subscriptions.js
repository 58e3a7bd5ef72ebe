// Subscriptions: list, create from a system's settings form, test connection, templates, initialization, manual sync.
import { api } from '../api.js';
import { add, badge, busy, clear, duration, field, h, select, statusBox, table, when } from '../dom.js';

let systemsCache = null;
export async function systems() {
  systemsCache ??= api('GET', '/systems').then((r) => r.items);
  return systemsCache;
}

export async function allSubscriptions() {
  const items = [];
  let cursor;
  do {
    const page = await api('GET', `/subscriptions?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 2000);
  return items;
}

export async function render(root, route, { go }) {
  const [known, subs] = await Promise.all([systems(), allSubscriptions()]);
  const systemName = (s) => known.find((k) => k.system === s)?.displayName ?? s;
  const status = statusBox();
  const createArea = h('div');
  const newButton = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'create-area' }, 'New subscription');
  createArea.id = 'create-area';
  newButton.addEventListener('click', () => {
    const open = newButton.getAttribute('aria-expanded') === 'true';
    newButton.setAttribute('aria-expanded', String(!open));
    clear(createArea, open ? null : createForm(known, (created) => go(`#/subscriptions/${created.id}`)));
  });

  add(root, 
    h('h2', {}, 'Subscriptions'),
    h('div', { class: 'actions' }, newButton),
    createArea,
    status,
    table(
      [
        { label: 'Name', render: (s) => h('a', { href: `#/subscriptions/${s.id}` }, s.name) },
        { label: 'System', render: (s) => systemName(s.system) },
        { label: 'Enabled', render: (s) => badge(s.enabled ? 'enabled' : 'disabled', String(s.enabled)) },
        { label: 'Secrets set', render: (s) => (s.secretsSet.length ? s.secretsSet.join(', ') : '—') },
        { label: 'Created', render: (s) => when(s.createdAt) },
        { label: 'Actions', render: (s) => h('div', { class: 'actions' }, h('a', { href: `#/subscriptions/${s.id}`, 'aria-label': `Manage ${s.name}` }, 'Manage'), h('a', { href: `#/collections?subscriptionId=${s.id}` }, 'Collections'), h('a', { href: `#/transfers?subscriptionId=${s.id}` }, 'Transfers')) },
      ],
      subs,
      { caption: `${subs.length} subscription${subs.length === 1 ? '' : 's'}`, empty: 'No subscriptions yet. Create one with “New subscription”.' },
    ),
  );

  const id = route.parts[0];
  if (!id) return undefined;
  const sub = subs.find((s) => s.id === id) ?? (await api('GET', `/subscriptions/${encodeURIComponent(id)}`));
  const detail = h('section', { class: 'card', 'aria-labelledby': 'sub-title' });
  add(root, detail);
  const { items: collections } = await api('GET', `/mapping-collections?subscriptionId=${encodeURIComponent(sub.id)}`);
  const stop = renderDetail(detail, sub, known.find((k) => k.system === sub.system), collections);
  detail.querySelector('h3')?.focus();
  return stop;
}

function createForm(known, onCreated) {
  const status = statusBox();
  const systemSelect = select(known.map((s) => ({ value: s.system, label: s.displayName })), { name: 'system' });
  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  const templates = h('input', { type: 'checkbox', name: 'installTemplates', checked: true });
  const settingsArea = h('fieldset', {}, h('legend', {}, 'Settings'));
  const renderSettings = () => {
    const sys = known.find((s) => s.system === systemSelect.value);
    clear(
      settingsArea,
      h('legend', {}, `${sys?.displayName ?? ''} settings`),
      (sys?.settings ?? []).map((s) =>
        field(
          `${s.label}${s.required ? ' (required)' : ''}`,
          h('input', { name: `setting:${s.key}`, dataset: { key: s.key, secret: String(s.secret) }, type: s.secret ? 'password' : 'text', autocomplete: s.secret ? 'new-password' : 'off', required: s.required }),
          s.secret ? `${s.description} Secret: stored sealed, never shown again.` : s.description,
        ),
      ),
    );
  };
  systemSelect.addEventListener('change', renderSettings);
  renderSettings();
  const submit = h('button', { type: 'submit' }, 'Create subscription');
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'New subscription' },
    h('h3', {}, 'New subscription'),
    h('div', { class: 'row' }, field('System', systemSelect), field('Name', name)),
    settingsArea,
    h('div', { class: 'row' }, h('label', {}, enabled, ' Enabled'), h('label', {}, templates, ' Install the system’s mapping templates')),
    h('div', { class: 'actions' }, submit),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const settings = {};
    for (const input of settingsArea.querySelectorAll('input')) {
      if (input.value !== '') settings[input.dataset.key] = input.value;
    }
    busy(submit, status, async () => {
      const created = await api('POST', '/subscriptions', { system: systemSelect.value, name: name.value.trim(), settings, enabled: enabled.checked, installTemplates: templates.checked });
      for (const input of settingsArea.querySelectorAll('input[type=password]')) input.value = '';
      status.ok(`Created “${created.name}”. Webhook key (shown once): ${created.webhookKey}`);
      setTimeout(() => onCreated(created), 1500);
    });
  });
  return form;
}

/** (entity, hub model) pairs of the subscription's enabled collections in one direction, once each. */
function entitiesOf(collections, direction) {
  const seen = new Map();
  for (const c of collections) {
    const key = `${c.entity}\u0000${c.hubModel}`;
    if (c.enabled && c.direction === direction && !seen.has(key)) seen.set(key, { key, name: c.entity, hubModel: c.hubModel });
  }
  return [...seen.values()];
}

function renderDetail(el, sub, system, collections) {
  const timers = new Set();
  const settings = Object.entries(sub.settings ?? {});
  const secretKeys = new Set((system?.settings ?? []).filter((s) => s.secret).map((s) => s.key));
  add(el, 
    h('h3', { id: 'sub-title', tabindex: '-1' }, `Subscription “${sub.name}”`),
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'System'),
      h('dd', {}, system?.displayName ?? sub.system),
      h('dt', {}, 'Id'),
      h('dd', { class: 'mono' }, sub.id),
      h('dt', {}, 'Throttle'),
      h('dd', {}, `${sub.throttle.requests} requests / ${sub.throttle.perSeconds} s, concurrency ${sub.throttle.concurrency}`),
      settings.filter(([k]) => !secretKeys.has(k)).map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, String(v))]),
      h('dt', {}, 'Secrets'),
      h('dd', {}, sub.secretsSet.length ? sub.secretsSet.map((s) => `${s} (set)`).join(', ') : 'none set'),
    ),
  );

  // Test connection
  const checks = statusBox();
  const testButton = h('button', { type: 'button' }, 'Test connection');
  testButton.addEventListener('click', () =>
    busy(testButton, checks, async () => {
      checks.info('Testing…');
      const result = await api('POST', `/subscriptions/${sub.id}/test-connection`, {});
      const list = Array.isArray(result) ? result : (result.checks ?? []);
      const ok = list.every((c) => c.ok);
      clear(
        checks,
        h('p', { class: ok ? 'ok' : 'error' }, ok ? 'All checks passed.' : 'Some checks failed.'),
        h('ul', { class: 'checks' }, list.map((c) => h('li', {}, badge(c.ok ? 'ok' : 'missing'), ' ', h('strong', {}, c.name), c.message ? ` — ${c.message}` : ''))),
      );
    }),
  );

  // Templates
  const templateStatus = statusBox();
  const templateAction = (reset) => {
    const button = h('button', { type: 'button', class: reset ? 'secondary' : undefined }, reset ? 'Reset templates' : 'Install templates');
    button.addEventListener('click', () => {
      if (reset && !window.confirm('Reset every template collection of this subscription to the shipped definition? Each becomes a new version.')) return;
      busy(button, templateStatus, async () => {
        const report = await api('POST', `/subscriptions/${sub.id}/templates/${reset ? 'reset' : 'install'}`, {});
        clear(
          templateStatus,
          h('p', { class: 'ok' }, `${report.results.length} template collection${report.results.length === 1 ? '' : 's'} processed.`),
          table(
            [
              { label: 'Template', render: (r) => r.name },
              { label: 'Seed', render: (r) => r.seed },
              { label: 'Result', render: (r) => badge(r.action) },
              { label: 'Version', render: (r) => String(r.version) },
              { label: 'Collection', render: (r) => h('a', { href: `#/collections/${r.collectionId}` }, 'Open') },
            ],
            report.results,
            { empty: 'This system ships no templates.' },
          ),
        );
      });
    });
    return button;
  };

  // Initialization per entity that has a TO_HUB collection (nothing else can be initialized).
  const entities = [...new Map(entitiesOf(collections, 'TO_HUB').map((e) => [e.name, e])).values()]; // the engine initializes an entity once
  const initRows = entities.map((entity) => {
    const progress = h('progress', { max: 1, value: 0, 'aria-label': `Initialization of ${entity.name}` });
    const text = h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' }, 'Not started in this session.');
    const st = statusBox();
    const start = h('button', { type: 'button' }, `Start initialization of ${entity.name}`);
    const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, `Cancel initialization of ${entity.name}`);
    let runId = null;
    const show = (run) => {
      runId = run.id;
      cancel.hidden = run.state !== 'running' && run.state !== 'pending';
      const total = run.total ?? 0;
      if (run.total === null && run.state === 'running') {
        progress.removeAttribute('value'); // indeterminate until the system tells the total
      } else {
        progress.max = Math.max(1, total);
        progress.value = run.state === 'completed' && !total ? 1 : Math.min(run.done, progress.max);
      }
      const pct = total ? Math.floor((run.done / total) * 100) : null;
      text.textContent = `${run.state}: ${run.done} / ${run.total ?? '?'} done${pct !== null ? ` (${pct}%)` : ''}, ${run.errors} error${run.errors === 1 ? '' : 's'}, ${run.ratePerSecond}/s, ETA ${duration(run.etaSeconds)}${run.error ? ` — ${run.error}` : ''}`;
    };
    const poll = (runId) => {
      const timer = setTimeout(async () => {
        timers.delete(timer);
        try {
          const run = await api('GET', `/subscriptions/${sub.id}/initializations/${runId}`);
          show(run);
          if (run.state === 'running' || run.state === 'pending') poll(runId);
        } catch (err) {
          st.error(err);
        }
      }, 1000);
      timers.add(timer);
    };
    start.addEventListener('click', () =>
      busy(start, st, async () => {
        st.clear();
        const run = await api('POST', `/subscriptions/${sub.id}/initializations`, { entity: entity.name });
        show(run);
        poll(run.id);
      }),
    );
    cancel.addEventListener('click', () => {
      if (!runId || !window.confirm(`Cancel the initialization of ${entity.name}? Records already synced stay in the hub.`)) return;
      busy(cancel, st, async () => show(await api('DELETE', `/subscriptions/${sub.id}/initializations/${runId}`)));
    });
    return h('div', { class: 'card' }, h('div', { class: 'row' }, h('strong', {}, `${entity.name} → ${entity.hubModel}`), h('div', { class: 'actions' }, start, cancel)), progress, text, st);
  });

  add(el, 
    h('h4', {}, 'Connection'),
    h('div', { class: 'actions' }, testButton),
    checks,
    h('h4', {}, 'Mapping templates'),
    h('div', { class: 'actions' }, templateAction(false), templateAction(true)),
    templateStatus,
    h('h4', {}, 'Initialization'),
    h('p', { class: 'muted' }, 'Reads every record of an entity from the system and syncs it to the hub.'),
    initRows.length ? initRows : h('p', { class: 'muted' }, 'No enabled TO_HUB mapping collection yet: install the templates or create one.'),
    h('h4', {}, 'Sync records now'),
    collections.some((c) => c.enabled) ? manualSyncForm(sub, collections) : h('p', { class: 'muted' }, 'No enabled mapping collection yet.'),
  );
  return () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}

/** Manual sync: records by external id (system → hub) or by hub id (hub → system), queued at once. */
function manualSyncForm(sub, collections) {
  const directions = [
    { value: 'TO_HUB', label: 'System → hub (external ids)' },
    { value: 'FROM_HUB', label: 'Hub → system (hub ids)' },
  ].filter((d) => entitiesOf(collections, d.value).length > 0);
  const direction = field('Direction', select(directions));
  const entity = field('Entity', h('select'));
  const entitiesFor = () => entitiesOf(collections, direction.control.value);
  const fillEntities = () => clear(entity.control, entitiesFor().map((e) => h('option', { value: e.key }, `${e.name} (${e.hubModel})`)));
  direction.control.addEventListener('change', fillEntities);
  fillEntities();
  const ids = field('Record ids', h('textarea', { rows: 3, spellcheck: 'false' }), 'One per line: the ids in the system, or hub record ids for hub → system.');
  const st = statusBox();
  const submit = h('button', { type: 'submit' }, 'Queue sync');
  const form = h('form', { class: 'card', 'aria-label': 'Sync records now' }, direction, entity, ids, h('div', { class: 'actions' }, submit), st);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const list = ids.control.value.split('\n').map((id) => id.trim()).filter(Boolean);
    if (list.length === 0) return st.error(new Error('Give at least one record id.'));
    const toHub = direction.control.value === 'TO_HUB';
    const chosen = entitiesFor().find((e) => e.key === entity.control.value);
    return busy(submit, st, async () => {
      const result = await api('POST', '/sync/manual', {
        subscriptionId: sub.id,
        direction: direction.control.value,
        ...(chosen ? { entity: chosen.name, hubModel: chosen.hubModel } : {}),
        ...(toHub ? { externalIds: list } : { hubIds: list }),
      });
      st.ok(`${result.enqueued} record${result.enqueued === 1 ? '' : 's'} queued. Follow them under Transfers & errors.`);
    });
  });
  return form;
}
