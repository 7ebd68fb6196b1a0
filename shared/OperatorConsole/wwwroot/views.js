// The console's views. Every value from the API goes in as text (textContent), never as markup.
import { get, post, Missing } from './api.js';
import { timeline, latency } from './charts.js';

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const when = t => t ? new Date(t).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' }) : '—';
const badge = (s, cls = s) => h('span', { class: `badge s-${cls}` }, s);
const table = (heads, rows, empty = 'Nothing to show.') => rows.length === 0 ? h('p', { class: 'muted' }, empty)
  : h('table', {}, h('thead', {}, h('tr', {}, heads.map(t => h('th', { class: t.endsWith('#') ? 'num' : undefined }, t.replace(/#$/, ''))))),
    h('tbody', {}, rows));
const caseLink = id => h('a', { href: `#/case/${id}` }, id);
const STATUSES = ['Received', 'InProgress', 'AwaitingReview', 'Completed', 'Rejected', 'Failed', 'Withdrawn', 'Expired'];
const TYPES = ['marriage-registration', 'newborn-registration', 'school-transfer'];
let provinceCodes = null;
async function codes() {
  provinceCodes ??= (await get('v1/operator/provinces')).items.map(p => p.province);
  return provinceCodes;
}

// Asks for a reason and a confirmation, then runs the action with that reason; resolves with its answer, or null if cancelled.
export function confirmAction(title, text, action) {
  const dialog = document.getElementById('confirm'), form = document.getElementById('confirm-form');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const error = document.getElementById('confirm-error');
  error.textContent = '';
  form.reset();
  return new Promise(resolve => {
    const submit = async e => {
      if (e.submitter?.value !== 'ok') { form.removeEventListener('submit', submit); dialog.close(); resolve(null); return; }
      e.preventDefault();
      const reason = form.reason.value.trim();
      if (!reason) { error.textContent = 'A reason is required.'; return; }
      try {
        const answer = await action(reason);
        form.removeEventListener('submit', submit); dialog.close(); resolve(answer);
      } catch (failure) { error.textContent = failure.message; }
    };
    form.addEventListener('submit', submit);
    dialog.showModal();
  });
}

export async function cases(view, params) {
  const query = new URLSearchParams();
  for (const k of ['status', 'type', 'province']) if (params.get(k)) query.set(k, params.get(k));
  // Dates are the operator's local days.
  if (params.get('from')) query.set('from', new Date(params.get('from') + 'T00:00:00').toISOString());
  if (params.get('to')) query.set('to', new Date(params.get('to') + 'T23:59:59').toISOString());
  query.set('pageSize', '25');
  // The first page is asked for while the province list is read, not after: one round trip less on a slow link.
  const first = get('v1/operator/cases?' + query);
  first.catch(() => {});
  const known = await codes();
  const form = h('form', { class: 'filters', id: 'case-filters' },
    h('label', {}, 'Status', h('select', { name: 'status' }, h('option', { value: '' }, 'any'), STATUSES.map(s => h('option', { value: s, selected: params.get('status') === s }, s)))),
    h('label', {}, 'Type', h('select', { name: 'type' }, h('option', { value: '' }, 'any'), TYPES.map(s => h('option', { value: s, selected: params.get('type') === s }, s)))),
    h('label', {}, 'Province', h('select', { name: 'province' }, h('option', { value: '' }, 'any'), known.map(s => h('option', { value: s, selected: params.get('province') === s }, s)))),
    h('label', {}, 'Opened from', h('input', { type: 'date', name: 'from', value: params.get('from') ?? '' })),
    h('label', {}, 'to', h('input', { type: 'date', name: 'to', value: params.get('to') ?? '' })),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const q = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
    location.hash = '#/cases' + (q.size ? '?' + q : '');
  });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older cases');
  const count = h('span', { class: 'muted' });
  view.replaceChildren(h('h1', {}, 'Cases'), form,
    h('table', { id: 'cases' }, h('thead', {}, h('tr', {}, ['Case', 'Type', 'Status', 'Handling', 'Provinces', 'Opened', 'Updated', ''].map(t => h('th', {}, t)))), body),
    h('div', { class: 'pager' }, more, count));
  let shown = 0;
  const page = async continuation => {
    if (continuation) query.set('continuation', continuation);
    const answer = continuation ? await get('v1/operator/cases?' + query) : await first;
    for (const c of answer.items) {
      body.append(h('tr', { 'data-case': c.caseId }, h('td', {}, caseLink(c.caseId)), h('td', {}, c.caseType), h('td', {}, badge(c.status)),
        h('td', {}, c.handlingProvince), h('td', {}, c.involvedProvinces.join(', ')), h('td', {}, when(c.createdAt)), h('td', {}, when(c.updatedAt)),
        h('td', {}, c.awaitingRedrive ? badge('held', 'Failed') : c.needsAttention ? badge('attention', 'Waiting') : '')));
    }
    shown += answer.items.length;
    count.textContent = shown === 0 ? 'No case matches.' : `${shown} shown, newest first`;
    more.hidden = !answer.continuation;
    more.onclick = () => page(answer.continuation);
  };
  await page(null);
}

// The last verification asked for per case, with the chain length it covered: kept across the page's live re-draws.
const verifications = new Map();

// The case's hash-chained audit trail, its signed head, and a verify action (the hub checks chain and signature).
function auditTrail(caseId, trail) {
  const entries = trail?.entries ?? [], head = trail?.head, last = entries.at(-1)?.seq ?? 0;
  const short = hash => hash ? h('code', { title: hash }, hash.slice(0, 12) + '…') : '';
  const result = h('span', { id: 'verification', role: 'status' }, verifications.get(caseId)?.seq === last ? verifications.get(caseId).text : '');
  const verify = h('button', {
    type: 'button', class: 'secondary', id: 'verify',
    onclick: async () => {
      result.textContent = 'Verifying…';
      const v = await get(`v1/operator/audit/verification?caseId=${encodeURIComponent(caseId)}`).catch(e => ({ error: e.message }));
      const text = v.error ? `Not verified: ${v.error}`
        : v.failures.length === 0 ? `Verified: ${v.checkedEntries} entries, chain and signed head hold (${v.elapsedMs} ms).`
          : `FAILED: ${v.failures.map(f => `entry ${f.seq} ${f.problem}`).join('; ')}`;
      verifications.set(caseId, { seq: last, text });
      (document.getElementById('verification') ?? result).textContent = text;
    },
  }, 'Verify');
  return [
    h('h2', {}, 'Audit trail'),
    h('p', { id: 'audit-head' }, head ? `Signed head: entry ${head.seq}, ${head.hash.slice(0, 12)}…, signed ${when(head.signedAt)}, key ${head.keyId}. ` : 'Head not signed yet. ', verify, ' ', result),
    table(['Seq#', 'At', 'Action', 'Step', 'Province', 'Outcome', 'Who', 'Why', 'Hash'], entries.map(e => h('tr', { 'data-seq': e.seq },
      h('td', { class: 'num' }, e.seq), h('td', {}, when(e.at)), h('td', {}, e.action), h('td', {}, e.step ?? ''), h('td', {}, e.province ?? ''),
      h('td', {}, e.outcome ?? ''), h('td', {}, e.actor ?? ''), h('td', {}, e.detail ?? ''), h('td', {}, short(e.hash)))), trail ? 'No entry yet.' : 'The audit trail could not be read.'),
  ];
}

export async function caseDetail(view, caseId) {
  let c;
  // The trail is asked for alongside the case, not after it.
  const trail = get(`v1/operator/cases/${encodeURIComponent(caseId)}/audit`).catch(() => null);
  try { c = await get(`v1/operator/cases/${encodeURIComponent(caseId)}`); } catch (e) {
    if (e instanceof Missing) { view.replaceChildren(h('h1', {}, 'No such case'), h('p', { class: 'muted' }, caseId)); return null; }
    throw e;
  }
  const held = c.steps.filter(s => s.awaitingRedrive);
  const redrive = held.length === 0 ? null : h('button', {
    type: 'button', id: 'redrive',
    onclick: async () => {
      const done = await confirmAction('Re-drive this case?', `Re-drives ${held.map(s => s.subject ? s.name + '.' + s.subject : s.name).join(', ')} of ${c.caseId} from a new round.`,
        reason => post(`v1/operator/cases/${c.caseId}/redrive`, { reason }));
      if (done) await caseDetail(view, caseId);
    },
  }, 'Re-drive…');
  view.replaceChildren(
    h('h1', {}, 'Case ', h('span', { id: 'case-id' }, c.caseId), ' ', badge(c.status)),
    h('div', { class: 'grid2' },
      h('dl', { class: 'facts card' },
        h('dt', {}, 'Type'), h('dd', {}, c.caseType), h('dt', {}, 'Reference'), h('dd', {}, c.reference),
        h('dt', {}, 'Handling province'), h('dd', {}, c.handlingProvince), h('dt', {}, 'Provinces'), h('dd', {}, c.involvedProvinces.join(', ')),
        h('dt', {}, 'Opened'), h('dd', {}, when(c.createdAt)), h('dt', {}, 'Updated'), h('dd', {}, when(c.updatedAt)),
        h('dt', {}, 'Outcome'), h('dd', {}, c.outcome ? Object.entries(c.outcome).map(([k, v]) => `${k}: ${v}`).join('; ') : '—')),
      h('div', { class: 'card' }, h('h2', {}, 'Waiting for'),
        c.waitingFor.length === 0 ? h('p', { class: 'muted', id: 'waiting' }, 'Nothing: no step is open.')
          : h('ul', { id: 'waiting' }, c.waitingFor.map(w => h('li', {}, h('strong', {}, w.awaiting), ` — ${w.step}, ${w.status} since ${when(w.since)}`, w.detail ? h('div', { class: 'muted' }, w.detail) : null))),
        redrive)),
    h('h2', {}, 'Timeline'),
    h('p', { class: 'legend muted' }, ['Succeeded', 'Running', 'Waiting', 'Failed', 'Compensated'].map(s => h('span', {}, h('i', { class: `s-${s}` }), s)), h('span', {}, 'ticks: retried attempts')),
    timeline(c),
    h('h2', {}, 'Steps'),
    table(['Step', 'Province', 'Status', 'Attempts#', 'Started', 'Ended', 'Detail'], c.steps.map(s => h('tr', {},
      h('td', {}, s.subject ? `${s.name}.${s.subject}` : s.name), h('td', {}, s.province ?? ''), h('td', {}, badge(s.status), s.awaitingRedrive ? ' held' : '', s.needsAttention ? ' ⚠' : ''),
      h('td', { class: 'num' }, s.attempts), h('td', {}, when(s.startedAt)), h('td', {}, when(s.completedAt)), h('td', {}, s.detail ?? '')))),
    h('div', { class: 'grid2' },
      h('div', {}, h('h2', {}, 'Deadlines'), table(['Limit', 'Due', 'State'], c.deadlines.map(d => h('tr', {}, h('td', {}, d.name), h('td', {}, when(d.due)), h('td', {}, badge(d.state)))), 'No limit has started.')),
      h('div', {}, h('h2', {}, 'Callbacks'),
        h('p', { id: 'callbacks' }, `${c.callbacks.delivered} of ${c.callbacks.sent} status change(s) delivered to the partner.`),
        table(['#', 'Failed attempts#', 'Since', 'Last failure'], c.callbacks.pending.map(p => h('tr', {}, h('td', {}, p.sequence), h('td', { class: 'num' }, p.failedAttempts), h('td', {}, when(p.firstFailedAt)), h('td', {}, (p.stopped ? 'stopped: ' : '') + (p.lastFailure ?? '')))), 'None pending.'))),
    ...auditTrail(c.caseId, await trail));
  return c;
}

export async function attention(view) {
  const { items } = await get('v1/operator/attention');
  view.replaceChildren(h('h1', {}, 'Needs attention'),
    table(['Since', 'Case', 'Type', 'Case status', 'Step', 'Province', 'State', 'Detail'], items.map(i => h('tr', {},
      h('td', {}, when(i.since)), h('td', {}, caseLink(i.caseId)), h('td', {}, i.caseType), h('td', {}, badge(i.caseStatus)), h('td', {}, i.step ?? ''),
      h('td', {}, i.province), h('td', {}, i.reason === 'callbacks' ? badge('callbacks stopped', 'Failed') : i.parked ? badge('parked', 'Waiting') : i.awaitingRedrive ? badge('held', 'Failed') : badge('flagged', 'Waiting')),
      h('td', {}, i.detail ?? ''))), 'Nothing needs attention.'));
}

export async function provinces(view) {
  const [health, metrics] = await Promise.all([get('v1/operator/provinces'), get('v1/operator/metrics').catch(() => null)]);
  const byCode = new Map((metrics?.provinces ?? []).map(p => [p.code, p]));
  const pct = x => x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
  view.replaceChildren(h('h1', {}, 'Provinces'),
    h('p', { class: 'muted' }, metrics ? `Calls over the last ${metrics.windowMinutes} minutes, as of ${when(metrics.at)}.` : 'No call metrics on this hub (GET /api/v1/operator/metrics): latency and error rate show "no data".'),
    table(['Province', 'Circuit', 'Answering', 'Last answer', 'Calls#', 'Error rate#', 'p50 ms#', 'p95 ms#', 'Latency, last hour', 'Queued#', 'Poison#', 'Parked#', 'Held#', 'Callbacks stopped#', ''],
      health.items.map(p => {
        const m = byCode.get(p.province);
        const chart = m ? latency(m.minutes ?? []) : null;
        const requeue = h('button', {
          type: 'button', class: 'secondary', disabled: p.poisoned === 0, 'data-requeue': p.province,
          onclick: async () => {
            const done = await confirmAction(`Requeue province ${p.province}'s poison messages?`, `Moves ${p.poisoned} message(s) back onto province-${p.province}.`,
              reason => post(`v1/operator/provinces/${p.province}/poison/requeue`, { reason }));
            if (done) await provinces(view);
          },
        }, 'Requeue…');
        return h('tr', { 'data-province': p.province }, h('td', {}, p.province), h('td', {}, badge(p.circuit ?? 'unknown', p.circuit)), h('td', {}, p.answering ? 'yes' : 'no'),
          h('td', {}, when(p.lastAnsweredAt)), h('td', { class: 'num' }, m ? m.calls : 'no data'), h('td', { class: 'num' }, m ? pct(m.errorRate) : 'no data'),
          h('td', { class: 'num' }, m?.latencyMs?.p50?.toFixed(0) ?? 'no data'), h('td', { class: 'num' }, m?.latencyMs?.p95?.toFixed(0) ?? 'no data'),
          h('td', {}, chart ?? h('span', { class: 'muted' }, 'no data')),
          h('td', { class: 'num' }, p.queued), h('td', { class: 'num' }, p.poisoned), h('td', { class: 'num' }, p.parked), h('td', { class: 'num' }, p.held),
          h('td', { class: 'num' }, p.callbacksStopped), h('td', {}, requeue));
      })),
    h('p', { class: 'legend muted' }, h('span', {}, h('i', { class: 's-InProgress' }), 'p50'), h('span', {}, h('i', { class: 's-Waiting' }), 'p95')));
}

export async function sla(view) {
  const s = await get('v1/operator/sla');
  const days = d => d === null || d === undefined ? '—' : `${d} d`;
  view.replaceChildren(h('h1', {}, 'Time limits (SLA)'), h('p', { class: 'muted' }, `Cases updated since ${when(s.since)}.`),
    h('h2', {}, 'Per province and limit'),
    table(['Province', 'Limit', 'Step', 'Answered#', 'On time#', 'p50#', 'p95#'], s.lines.map(l => h('tr', {}, h('td', {}, l.province), h('td', {}, l.deadline), h('td', {}, l.step),
      h('td', { class: 'num' }, l.answered), h('td', { class: 'num' }, l.onTimeShare === null ? '—' : `${(l.onTimeShare * 100).toFixed(0)}%`),
      h('td', { class: 'num' }, days(l.p50WorkingDays)), h('td', { class: 'num' }, days(l.p95WorkingDays)))), 'No limit has been measured yet.'),
    h('h2', {}, 'Open deadlines at risk or overdue, oldest first'),
    table(['Case', 'Type', 'Province', 'Limit', 'Started', 'Due', 'State', 'Overdue by'], s.open.map(o => h('tr', {}, h('td', {}, caseLink(o.caseId)), h('td', {}, o.caseType),
      h('td', {}, o.province), h('td', {}, o.deadline), h('td', {}, when(o.startedAt)), h('td', {}, when(o.due)), h('td', {}, badge(o.state)), h('td', {}, o.missedBy ?? ''))), 'None at risk.'));
}

export async function search(view) {
  const results = h('div', { id: 'search-results' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'filters', id: 'search', autocomplete: 'off' },
    h('label', {}, 'Resident ID number', h('input', { name: 'idNumber', required: true, maxlength: 18, minlength: 18, type: 'password' })),
    h('label', {}, 'Reason (recorded)', h('input', { name: 'reason', required: true, maxlength: 500, size: 40 })),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    error.textContent = '';
    const idNumber = form.idNumber.value.trim(), reason = form.reason.value.trim();
    form.idNumber.value = ''; // the number is sent, never kept on the page
    try {
      const { items } = await post('v1/operator/case-search', { idNumber, reason });
      results.replaceChildren(table(['Case', 'Type', 'Status', 'Roles', 'Handling', 'Opened'], items.map(i => h('tr', {}, h('td', {}, caseLink(i.caseId)), h('td', {}, i.caseType),
        h('td', {}, badge(i.status)), h('td', {}, i.roles.join(', ')), h('td', {}, i.handlingProvince), h('td', {}, when(i.createdAt)))), 'No case names this person.'));
    } catch (failure) {
      error.textContent = failure instanceof Missing ? 'Citizen search is not available on this hub.' : failure.message;
    }
  });
  view.replaceChildren(h('h1', {}, 'Citizen search'),
    h('p', { class: 'muted' }, 'Finds the cases that name a person. Each search is recorded with who searched and why; the number is not shown again.'), form, error, results);
}
