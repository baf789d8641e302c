/* global history */
// The console shell: session, navigation and the hash router. Pages live in pages/*.js and
// export `render(root, ctx)`; they load on first visit.
import { api, forgetKey, setUnauthorizedHandler, storedKey } from './api.js';
import { h } from './dom.js';
import { renderSignIn } from './pages/signin.js';
import { errorBlock, loading } from './ui.js';

/**
 * Every page, its area in the admin API's grant table and the access it needs. `nav` pages
 * appear in the side navigation when the role may use them.
 */
const ROUTES = [
  { pattern: /^dashboard$/, nav: 'Dashboard', area: 'dashboard', page: () => import('./pages/dashboard.js') },
  { pattern: /^endpoints$/, nav: 'Endpoints', area: 'endpoints', page: () => import('./pages/endpoints.js') },
  { pattern: /^endpoints\/([^/]+)$/, area: 'endpoints', page: () => import('./pages/endpoint-detail.js') },
  { pattern: /^integrations$/, nav: 'Integrations', area: 'integrations', page: () => import('./pages/integrations.js') },
  { pattern: /^integrations\/new$/, area: 'integrations', access: 'write', page: () => import('./pages/integration-new.js') },
  { pattern: /^integrations\/([^/]+)$/, area: 'integrations', page: () => import('./pages/integration-detail.js') },
  { pattern: /^applications$/, nav: 'Applications', area: 'applications', page: () => import('./pages/applications.js') },
  { pattern: /^applications\/([^/]+)$/, area: 'applications', page: () => import('./pages/application-detail.js') },
  { pattern: /^policy$/, nav: 'Global policy', area: 'policy', page: () => import('./pages/policy.js') },
  { pattern: /^users$/, nav: 'Users & groups', area: 'users', page: () => import('./pages/users.js') },
  { pattern: /^auth-log$/, nav: 'Auth log', area: 'auth-log', page: () => import('./pages/auth-log.js') },
  { pattern: /^admin-log$/, nav: 'Administrator actions', area: 'admin-log', page: () => import('./pages/admin-log.js') },
  { pattern: /^findings$/, nav: 'Findings', area: 'findings', page: () => import('./pages/findings.js') },
  { pattern: /^api-keys$/, nav: 'API keys', area: 'api-keys', page: () => import('./pages/api-keys.js') },
  { pattern: /^enrollment$/, nav: 'Enrollment key', area: 'enrollment', access: 'write', page: () => import('./pages/enrollment.js') },
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let session = null;
let current = null; // { controller } of the page on screen

const can = (area, access = 'read') => Boolean(session?.grants?.[area]?.[access]);

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path.replace(/\/+$/, ''), query: new URLSearchParams(query) };
}

function navigate(hash, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (replace) void route({ focus: true });
}

function firstPage() {
  const entry = ROUTES.find((r) => r.nav && can(r.area, r.access));
  return entry ? `#/${entry.pattern.source.replace(/^\^|\$$/g, '')}` : null;
}

function renderNav(path) {
  const items = ROUTES.filter((r) => r.nav && can(r.area, r.access)).map((r) => {
    const target = r.pattern.source.replace(/^\^|\$$/g, '');
    const active = path === target || path.startsWith(`${target}/`);
    return h('li', {}, h('a', { href: `#/${target}`, 'aria-current': active ? 'page' : null }, r.nav));
  });
  nav.replaceChildren(h('ul', {}, items));
  nav.hidden = false;
}

async function route({ focus = false, refresh = false, flash = null } = {}) {
  if (!session) return;
  const { path, query } = parseHash();
  if (path === '' || path === 'main') {
    const start = firstPage();
    if (start) history.replaceState(null, '', start);
    return start ? route({ focus }) : showPage(h('p', {}, 'This API key may not see any page of the console.'));
  }
  renderNav(path);
  const entry = ROUTES.find((r) => r.pattern.test(path));
  current?.controller.abort();
  const controller = new AbortController();
  current = { controller };
  if (!entry)
    return showPage(
      h('div', {}, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'There is no console page at this address.')),
      focus,
    );
  if (!can(entry.area, entry.access)) {
    return showPage(
      h(
        'div',
        {},
        h('h1', { tabindex: '-1' }, 'Not available for your role'),
        h('p', {}, `The ${session.apiKey.role} role may not use this page.`),
      ),
      focus,
    );
  }
  const root = h('div', { class: 'page' });
  if (!refresh) showPage(root, false).append(loading());
  try {
    const module = await entry.page();
    if (controller.signal.aborted) return;
    const params = entry.pattern.exec(path).slice(1).map(decodeURIComponent);
    const ctx = {
      params,
      query,
      session,
      can,
      navigate,
      signal: controller.signal,
      /** Re-renders in place; `flash` is a confirmation shown under the page heading. */
      refresh: (message) => route({ refresh: true, flash: message ?? null }),
      setTitle: (title) => (document.title = `${title} · DevTrust console`),
    };
    ctx.setTitle(entry.nav ?? 'DevTrust');
    const staging = h('div', { class: 'page' });
    await module.render(staging, ctx);
    if (controller.signal.aborted) return;
    if (flash) staging.querySelector('.page-head')?.after(h('p', { class: 'msg msg-ok', role: 'status' }, flash));
    showPage(staging, focus);
  } catch (error) {
    if (error?.name === 'AbortError' || controller.signal.aborted) return;
    showPage(h('div', {}, h('h1', { tabindex: '-1' }, 'Something went wrong'), errorBlock(error)), focus);
  }
}

/** Swaps the page in one step (no half-rendered flashes) and moves focus for screen readers. */
function showPage(node, focus) {
  main.replaceChildren(node);
  // After a refresh the focused button may be gone; the heading keeps keyboard users in place.
  if (focus || document.activeElement === document.body) (main.querySelector('h1') ?? main).focus();
  return node;
}

function enter(nextSession) {
  session = nextSession;
  document.getElementById('who-name').textContent = session.apiKey.name;
  document.getElementById('who-role').textContent = session.apiKey.role;
  document.getElementById('who').hidden = false;
  void route({ focus: true });
}

function signIn(message, tone = 'error') {
  current?.controller.abort();
  session = null;
  nav.hidden = true;
  nav.replaceChildren();
  document.getElementById('who').hidden = true;
  document.title = 'Sign in · DevTrust console';
  showPage(renderSignIn({ message, tone, onSignedIn: enter }), false);
  main.querySelector('input')?.focus();
}

setUnauthorizedHandler((error) => {
  forgetKey();
  signIn(`Your API key was refused: ${error.message}. Sign in again with a valid key.`);
});

document.getElementById('sign-out').addEventListener('click', () => {
  forgetKey();
  history.replaceState(null, '', location.pathname);
  signIn('You are signed out. The key was removed from this tab.', 'info');
});

// The skip link targets #main, which the hash router would otherwise treat as a page.
document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => void route({ focus: true }));

async function start() {
  const key = storedKey();
  if (!key) return signIn();
  try {
    enter(await api('GET', '/console/session', { key }));
  } catch (error) {
    if (error.status === 401) forgetKey();
    signIn(error.status === 401 ? `Your API key was refused: ${error.message}. Sign in again.` : error.message);
  }
}

void start();
