import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRouter } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { verdictRouter } from '@devtrust/collector/verdict/routes';
import { createTestApp, type TestApp } from '../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * Every admin route, enumerated from the routers the collector mounts (so a route added
 * later is in this matrix without anyone remembering it), asked with every credential and
 * every spelling of its path. The rule (collector/src/http/routing.ts): routes match
 * exactly as written; anything under /admin needs a valid API key before routing; a
 * spelling that is not the route is a 404 for an authenticated caller.
 */

type Role = 'owner' | 'admin' | 'app-manager' | 'read-only';
const ROLES: Role[] = ['owner', 'admin', 'app-manager', 'read-only'];

/**
 * Who may do what, written out here rather than read from the server's grant table, so the
 * test checks that table. Keyed by the first path segment after /admin/v1.
 */
const RW: Record<string, { read: Role[]; write: Role[] }> = {
  'api-keys': { read: ['owner'], write: ['owner'] },
  integrations: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  kinds: { read: ['owner', 'admin', 'app-manager', 'read-only'], write: ['owner', 'admin'] },
  endpoints: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  reenrollments: { read: ['owner', 'admin'], write: ['owner', 'admin'] },
  applications: { read: ['owner', 'admin', 'app-manager', 'read-only'], write: ['owner', 'admin', 'app-manager'] },
  policy: { read: ['owner', 'admin', 'app-manager', 'read-only'], write: ['owner', 'admin'] },
  users: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  groups: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  'auth-log': { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  'admin-log': { read: ['owner', 'admin'], write: ['owner', 'admin'] },
  findings: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  dashboard: { read: ['owner', 'admin', 'read-only'], write: ['owner', 'admin'] },
  'enrollment-key': { read: ['owner', 'admin'], write: ['owner', 'admin'] },
  'trusted-endpoints': { read: ['owner', 'admin'], write: ['owner', 'admin'] },
  oidc: { read: ['owner', 'admin'], write: ['owner', 'admin'] },
  backup: { read: ['owner'], write: ['owner'] },
  'openapi.json': { read: ['owner', 'admin', 'app-manager', 'read-only'], write: ['owner', 'admin'] },
};

const SAMPLE_PARAMS: Record<string, string> = {
  id: 'x-missing',
  username: 'nobody@example.com',
  group: 'nogroup',
  identifier: 'SERIAL-NOWHERE',
  kid: 'kid-missing',
  syncId: 'sync-missing',
};

interface Route {
  method: string;
  /** The route as declared, e.g. /admin/v1/api-keys/:id */
  pattern: string;
  /** With sample parameters filled in. */
  path: string;
}

function routesOf(stack: { methods: string[]; path: string | RegExp }[]): Route[] {
  const routes: Route[] = [];
  for (const layer of stack) {
    if (layer.methods.length === 0) continue; // middleware, not a route
    assert.equal(typeof layer.path, 'string', `a route with a RegExp path: ${String(layer.path)}`);
    const pattern = layer.path as string;
    const path = pattern.replace(/:(\w+)/g, (_m, name: string) => {
      const value = SAMPLE_PARAMS[name];
      assert.ok(value, `no sample value for the route parameter :${name} of ${pattern}`);
      return encodeURIComponent(value);
    });
    for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method, pattern, path });
  }
  return routes;
}

const mixedCase = (path: string): string => [...path].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch.toLowerCase())).join('');

/** Percent-encodes the first character of every segment (`/admin` → `/%61dmin`). */
const percentEncoded = (path: string): string =>
  path.replace(/\/([A-Za-z0-9])/g, (_m, ch: string) => `/%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** The spellings of a path that are not the path. */
function variants(path: string): [string, string][] {
  const out: [string, string][] = [
    ['upper-cased', path.toUpperCase()],
    ['mixed-cased', mixedCase(path)],
    ['with a trailing slash', `${path}/`],
    ['percent-encoded', percentEncoded(path)],
    ['with a doubled slash', path.replace('/v1/', '//v1/')],
  ];
  for (const [name, variant] of out) assert.notEqual(variant, path, `the ${name} variant of ${path} is the path itself`);
  return out;
}

describe('authorization matrix: every admin route, every spelling, every credential', () => {
  let c: TestCollector;
  let adminRoutes: Route[];
  let apiRoutes: Route[];
  const keys = {} as Record<Role, string>;
  let revokedKey: string;
  let app: TestApp;

  async function call(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const response = await fetch(`${c.url}${path}`, {
      method,
      headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      /* kept as text */
    }
    return { status: response.status, body };
  }
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  /** Everything a handler reached by mistake could change, read with the owner key. */
  const state = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all(
        [
          '/admin/v1/api-keys',
          '/admin/v1/applications',
          '/admin/v1/policy',
          '/admin/v1/users',
          '/admin/v1/integrations',
          '/admin/v1/endpoints',
          '/admin/v1/oidc/keys',
        ].map(async (p) => (await c.admin('GET', p)).body),
      ),
      (k, v) => (k === 'lastUsedAt' ? undefined : v),
    );

  beforeAll(async () => {
    c = await startTestCollector();
    adminRoutes = [...routesOf(adminRouter(c.services, c.channel).stack), ...routesOf(keyAdminRouter(c.services, () => undefined).stack)];
    apiRoutes = routesOf(verdictRouter(c.services).stack);
    for (const role of ROLES) {
      if (role === 'owner') keys.owner = OWNER_TOKEN;
      else keys[role] = (await c.admin('POST', '/admin/v1/api-keys', { name: role, role })).body.key;
    }
    const revoked = (await c.admin('POST', '/admin/v1/api-keys', { name: 'gone', role: 'owner' })).body;
    assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${revoked.id}`)).status, 204);
    revokedKey = revoked.key;
    app = await createTestApp(c, {});
    await c.admin('GET', '/admin/v1/oidc/keys'); // the first signing key exists before the snapshot
  });
  afterAll(async () => {
    await c.stop();
  });

  it('enumerates the routes from the routers, each under a known area', () => {
    assert.ok(adminRoutes.length >= 30, `only ${adminRoutes.length} admin routes found`);
    for (const route of adminRoutes) {
      assert.match(route.pattern, /^\/admin\/v1\//);
      const area = route.pattern.split('/')[3] as string;
      assert.ok(RW[area], `${route.method} ${route.pattern}: no expected grants for "${area}" in this test`);
    }
    assert.ok(adminRoutes.some((r) => r.method === 'POST' && r.pattern === '/admin/v1/oidc/rotate-keys'));
    assert.ok(apiRoutes.length >= 2);
  });

  it('without a valid key, every route in every spelling is a 401 and reaches no handler', async () => {
    const before = await state();
    const credentials: [string, Record<string, string>][] = [
      ['no key', {}],
      ['an unknown key', bearer('dtk_not-a-real-key-0123456789')],
      ['a revoked key', bearer(revokedKey)],
      ['a malformed header', { authorization: 'Bearer' }],
      ['Basic instead of Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ];
    const failures: string[] = [];
    for (const route of adminRoutes) {
      for (const [spelling, path] of [['as written', route.path] as [string, string], ...variants(route.path)]) {
        for (const [who, headers] of credentials) {
          const { status, body } = await call(route.method, path, headers);
          if (status !== 401 || body?.error?.code !== 'UNAUTHENTICATED')
            failures.push(`${route.method} ${path} (${spelling}, ${who}) → ${status}`);
        }
      }
    }
    // Paths under /admin that no router declares are behind the same gate.
    for (const path of ['/admin', '/admin/', '/admin/v2/api-keys', '/ADMIN/anything', '/admin/v1/no-such-route', '/%41DMIN/v1/policy']) {
      const { status } = await call('GET', path, {});
      if (status !== 401) failures.push(`GET ${path} (no route, no key) → ${status}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(await state(), before, 'an unauthenticated request changed something');
  });

  it('with a valid key of any role, a spelling that is not the route is a 404 and reaches no handler', async () => {
    const before = await state();
    const failures: string[] = [];
    for (const route of adminRoutes) {
      for (const [spelling, path] of variants(route.path)) {
        for (const role of ROLES) {
          const { status, body } = await call(route.method, path, bearer(keys[role]));
          if (status !== 404 || body?.error?.code !== 'NOT_FOUND')
            failures.push(`${route.method} ${path} (${spelling}, ${role}) → ${status}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await state(), before, 'a request to a path variant changed something');
  });

  it('as written, each role gets exactly its grants: 403 outside them, never 401 or 5xx inside', async () => {
    const failures: string[] = [];
    for (const route of adminRoutes) {
      const area = route.pattern.split('/')[3] as string;
      const access = route.method === 'GET' ? 'read' : 'write';
      for (const role of ROLES) {
        const { status } = await call(route.method, route.path, bearer(keys[role]));
        const permitted = RW[area]?.[access].includes(role) ?? false;
        const ok = permitted ? status !== 401 && status !== 403 && status < 500 : status === 403;
        if (!ok) failures.push(`${route.method} ${route.path} as ${role} → ${status}, expected ${permitted ? 'its answer' : '403'}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('the transaction API: no, bad or malformed credentials are a 401; other spellings are 404s', async () => {
    const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });
    const credentials: [string, Record<string, string>][] = [
      ['no credentials', {}],
      ['an unknown client', basic('dtc_nobody:secret')],
      ['a wrong secret', basic(`${app.clientId}:wrong`)],
      ['no colon', basic(app.clientId)],
      ['an empty client ID', basic(':secret')],
      ['a malformed %-escape in the client ID', basic('%E0%A4%A:secret')],
      ['a malformed %-escape in the secret', basic(`${app.clientId}:%zz`)],
      ['a lone %', basic(`${app.clientId}:%`)],
      ['not base64', { authorization: 'Basic ***' }],
      ['a Bearer token', bearer(OWNER_TOKEN)],
    ];
    const good = basic(`${app.clientId}:${app.clientSecret}`);
    const failures: string[] = [];
    for (const route of apiRoutes) {
      for (const [who, headers] of credentials) {
        const { status, body } = await call(route.method, route.path, headers);
        if (status !== 401 || body?.error?.code !== 'UNAUTHENTICATED') failures.push(`${route.method} ${route.path} (${who}) → ${status}`);
      }
      for (const [spelling, path] of variants(route.path)) {
        for (const headers of [{}, good]) {
          const { status } = await call(route.method, path, headers);
          if (status !== 404) failures.push(`${route.method} ${path} (${spelling}) → ${status}`);
        }
      }
      const { status } = await call(route.method, route.path, good);
      if (status >= 500 || status === 401) failures.push(`${route.method} ${route.path} (good credentials) → ${status}`);
    }
    assert.deepEqual(failures, []);
  });

  it('the transaction API: no admin role, no deleted application and no other application gets in', async () => {
    const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    const other = await createTestApp(c, {}, 'Other app');
    const gone = await createTestApp(c, {}, 'Deleted app');
    assert.equal((await c.admin('DELETE', `/admin/v1/applications/${gone.id}`)).status, 204);
    // A transaction of `app`, which no other credential may read.
    const opened = await call('POST', '/api/v1/transactions', basic(app.clientId, app.clientSecret));
    assert.equal(opened.status, 400, 'the matrix posts {}: a 400 proves the credentials were accepted');
    const created = await fetch(`${c.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { ...basic(app.clientId, app.clientSecret), 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice@example.com' }),
    });
    assert.equal(created.status, 201);
    const txId = ((await created.json()) as { id: string }).id;
    const failures: string[] = [];
    const routes = apiRoutes.map((r) => ({ ...r, path: r.path.replace(encodeURIComponent(SAMPLE_PARAMS.id!), txId) }));
    for (const route of routes) {
      const refused: [string, Record<string, string>][] = [
        ...ROLES.map((role): [string, Record<string, string>] => [`the ${role} API key as a Bearer token`, bearer(keys[role])]),
        ...ROLES.map((role): [string, Record<string, string>] => [
          `the ${role} API key as a client secret`,
          basic(app.clientId, keys[role]),
        ]),
        ['a revoked API key', bearer(revokedKey)],
        ['a deleted application', basic(gone.clientId, gone.clientSecret)],
        ["another application's client ID with this one's secret", basic(other.clientId, app.clientSecret)],
      ];
      for (const [who, headers] of refused) {
        const { status, body } = await call(route.method, route.path, headers);
        if (status !== 401 || body?.error?.code !== 'UNAUTHENTICATED')
          failures.push(`${route.method} ${route.pattern} (${who}) → ${status}`);
      }
    }
    // Another application's good credentials: its own transactions only; this one is as unknown as a missing one.
    const foreign = await call('GET', `/api/v1/transactions/${txId}`, basic(other.clientId, other.clientSecret));
    if (foreign.status !== 404) failures.push(`GET another application's transaction → ${foreign.status}`);
    const own = await call('GET', `/api/v1/transactions/${txId}`, basic(app.clientId, app.clientSecret));
    if (own.status !== 200) failures.push(`GET its own transaction → ${own.status}`);
    assert.deepEqual(failures, []);
  });
});
