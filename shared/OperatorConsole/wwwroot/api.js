// The operator API, called with the session cookie; unsafe calls carry the session's CSRF token.
const store = sessionStorage;

export class Unauthenticated extends Error {}
export class Missing extends Error {}

export function signedIn() { return store.getItem('csrf') !== null; }
export function operatorId() { return store.getItem('operator'); }

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = store.getItem('functionKey');
  if (key) h['x-functions-key'] = key; // Azure Functions with function keys only
  return h;
}

// Every answer may slide the session cookie (Set-Cookie), so one still in flight when sign-out's answer clears it would set it
// again: sign-out waits for the calls in flight and lets no new one start meanwhile.
const inflight = new Set();
let signingOut = false;

async function call(method, path, body) {
  if (signingOut) throw new Unauthenticated();
  const pending = send(method, path, body);
  inflight.add(pending);
  try { return await pending; } finally { inflight.delete(pending); }
}

async function send(method, path, body) {
  const unsafe = method !== 'GET';
  const init = { method, credentials: 'same-origin', headers: headers(unsafe ? { 'X-Tongban-Csrf': store.getItem('csrf') ?? '' } : {}) };
  if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  const r = await fetch('/api/' + path, init);
  if (r.status === 401) { forget(); throw new Unauthenticated(); }
  if (r.status === 404) throw new Missing(path);
  if (r.status === 204) return null;
  const json = await r.json().catch(() => null);
  if (!r.ok) {
    const fields = json?.errors ? ' ' + Object.entries(json.errors).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; ') : '';
    throw new Error((json?.detail ?? json?.title ?? `HTTP ${r.status}`) + fields);
  }
  return json;
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body);

function remember(session) { store.setItem('csrf', session.csrf); store.setItem('operator', session.operatorId); }
function forget() { store.removeItem('csrf'); store.removeItem('operator'); }

export async function signIn(operatorId, secret, functionKey) {
  if (functionKey) store.setItem('functionKey', functionKey); else store.removeItem('functionKey');
  remember(await call('POST', 'v1/operator/session', { operatorId, secret }));
}

// A reloaded or new tab asks for the session it already has (cookie), and gets its CSRF token again.
export async function resume() {
  try { remember(await call('GET', 'v1/operator/session')); return true; } catch { return false; }
}

export async function signOut() {
  signingOut = true;
  try {
    await Promise.allSettled([...inflight]);
    await send('DELETE', 'v1/operator/session');
  } finally {
    signingOut = false;
    forget();
    store.removeItem('functionKey');
  }
}
