// Junction console: sign-in, navigation and hash routing. Views live in ./views/, one module each.
import { api, clearKey, getKey, setKey, whenUnauthorized } from './api.js';
import { clear, field, h, statusBox } from './dom.js';
import * as subscriptions from './views/subscriptions.js';
import * as collections from './views/collections.js';
import * as transfers from './views/transfers.js';
import * as hub from './views/hub.js';

const views = { subscriptions, collections, transfers, hub };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
let cleanup = null;

/** `#/hub/Customer/<id>?x=1` → { name: 'hub', parts: ['Customer', '<id>'], params } */
export function parseRoute(hash = location.hash) {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name = 'subscriptions', ...parts] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: views[name] ? name : 'subscriptions', parts, params: Object.fromEntries(new URLSearchParams(search)) };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signIn(message) {
  if (cleanup) cleanup();
  cleanup = null;
  nav.hidden = true;
  const input = h('input', { type: 'password', name: 'apiKey', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = statusBox();
  if (message) status.error(new Error(message));
  const form = h(
    'form',
    { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Enter an API key of your tenant (create one with ', h('code', {}, 'junction apikey create --tenant <name>'), '). It is kept for this browser tab only.'),
    field('API key', input),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return status.error(new Error('Enter an API key.'));
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('GET', '/subscriptions?limit=1', undefined, { key, quiet: true });
      setKey(key);
      nav.hidden = false;
      if (!location.hash || location.hash === '#') location.hash = '#/subscriptions';
      else route();
    } catch (err) {
      status.error(err.status === 401 ? new Error('That API key is unknown or revoked.') : err);
    } finally {
      button.disabled = false;
    }
  });
  clear(main, form);
  input.focus();
}

async function route() {
  if (!getKey()) return signIn();
  nav.hidden = false;
  if (cleanup) cleanup();
  cleanup = null;
  const r = parseRoute();
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${r.name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  const container = h('div', { class: 'view' });
  main.append(container);
  try {
    cleanup = (await views[r.name].render(container, r, { go })) ?? null;
  } catch (err) {
    if (err?.status === 401) return;
    clear(container, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

whenUnauthorized(() => {
  clearKey();
  signIn('Your API key was refused; sign in again.');
});
document.getElementById('sign-out').addEventListener('click', () => {
  clearKey();
  signIn();
});
window.addEventListener('hashchange', () => {
  route();
  main.focus({ preventScroll: true });
});
route();
