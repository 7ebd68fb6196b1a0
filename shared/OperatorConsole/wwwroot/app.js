// Router, sign-in and live updates (polling while the tab is visible).
import { signIn, signOut, resume, signedIn, operatorId, Unauthenticated } from './api.js';
import * as views from './views.js';

const view = document.getElementById('view');
const signInForm = document.getElementById('sign-in');
const POLL_MS = 3000;
let poll = null;

function chrome(on) {
  document.getElementById('nav').hidden = !on;
  document.getElementById('sign-out').hidden = !on;
  document.getElementById('who').textContent = on ? `operator ${operatorId()}` : '';
  signInForm.hidden = on;
  view.hidden = !on;
}

// Each render draws through its own handle, which goes dead once a later render starts: a slow answer for the view left
// behind (the cases list still loading when the operator clicks on) cannot draw over the view now shown.
let generation = 0;
function target() {
  const mine = ++generation;
  return { replaceChildren: (...nodes) => { if (mine === generation) view.replaceChildren(...nodes); } };
}

async function render() {
  clearTimeout(poll);
  const into = target();
  if (!signedIn() && !(await resume())) { chrome(false); return; }
  chrome(true);
  const [path, query] = (location.hash.slice(1) || '/cases').split('?');
  const params = new URLSearchParams(query ?? '');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', path.startsWith(a.getAttribute('href').slice(1)));
  const [, name, arg] = path.split('/');
  try {
    switch (name) {
      case 'case': await live(() => views.caseDetail(into, arg), c => c && !c.closed && !['Completed', 'Rejected', 'Withdrawn', 'Expired'].includes(c.status)); break;
      case 'attention': await live(() => views.attention(into)); break;
      case 'provinces': await live(() => views.provinces(into)); break;
      case 'sla': await views.sla(into); break;
      case 'search': await views.search(into); break;
      default: await views.cases(into, params);
    }
  } catch (e) {
    if (e instanceof Unauthenticated) { chrome(false); return; }
    into.replaceChildren(views.h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

// Re-draws a view every few seconds while it is shown and the dialog is closed; stops when `again` says so.
async function live(draw, again = () => true) {
  const hash = location.hash;
  const tick = async () => {
    if (location.hash !== hash) return;
    if (document.visibilityState === 'visible' && !document.getElementById('confirm').open) {
      try {
        if (!again(await draw())) return;
      } catch (e) {
        if (e instanceof Unauthenticated) { chrome(false); return; }
      }
    }
    poll = setTimeout(tick, POLL_MS);
  };
  if (again(await draw())) poll = setTimeout(tick, POLL_MS);
}

signInForm.addEventListener('submit', async e => {
  e.preventDefault();
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  try {
    await signIn(signInForm.operatorId.value.trim(), signInForm.secret.value, signInForm.functionKey.value.trim());
    signInForm.reset();
    await render();
  } catch (failure) {
    error.textContent = failure instanceof Unauthenticated ? 'Wrong operator ID or secret.' : failure.message;
  }
});
document.getElementById('sign-out').addEventListener('click', async () => { await signOut(); location.hash = '#/cases'; chrome(false); });
window.addEventListener('hashchange', render);
render();
