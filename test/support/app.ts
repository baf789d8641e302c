import type { TestCollector } from './collector.js';

export interface TestApp {
  id: string;
  clientId: string;
  clientSecret: string;
  /** Opens a transaction for a user; returns its id. */
  open(username: string): Promise<string>;
  /** Reads a transaction as the application sees it. */
  read(id: string): Promise<{ status: number; body: any }>;
}

/**
 * Creates a protected application through the admin API and wraps its transaction API. It
 * sees every reason (`reasonDetail: "full"`), as the tests of matching read them through it;
 * the default summary has its own tests (test/e2e/reason-detail.test.ts).
 */
export async function createTestApp(
  c: TestCollector,
  policy: Record<string, unknown>,
  name = 'Test app',
  reasonDetail: 'summary' | 'full' = 'full',
): Promise<TestApp> {
  const created = await c.admin('POST', '/admin/v1/applications', {
    name,
    redirectUris: ['http://127.0.0.1:9/callback'],
    policy,
    reasonDetail,
  });
  if (created.status !== 201) throw new Error(`creating the app failed: ${JSON.stringify(created.body)}`);
  return wrapApp(c, created.body);
}

/** The transaction API of an existing application (e.g. after a collector restart). */
export function wrapApp(c: TestCollector, { id, clientId, clientSecret }: { id: string; clientId: string; clientSecret: string }): TestApp {
  const auth = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  return {
    id,
    clientId,
    clientSecret,
    open: async (username) => {
      const response = await fetch(`${c.url}/api/v1/transactions`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      const body = (await response.json()) as { id: string };
      if (response.status !== 201) throw new Error(`opening a transaction failed: ${JSON.stringify(body)}`);
      return body.id;
    },
    read: async (txId) => {
      const response = await fetch(`${c.url}/api/v1/transactions/${txId}`, { headers: { authorization: auth } });
      return { status: response.status, body: await response.json() };
    },
  };
}

/** Creates a CSV integration active for all users and uploads `csv` into it. */
export async function csvInventory(
  c: TestCollector,
  csv: string,
  options: { platforms?: string[]; name?: string; activation?: unknown } = {},
): Promise<string> {
  const created = await c.admin('POST', '/admin/v1/integrations', {
    kind: 'csv',
    name: options.name ?? 'Corporate inventory',
    platforms: options.platforms ?? ['windows', 'macos', 'linux'],
    config: {},
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const id = created.body.id as string;
  const upload = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, csv, { contentType: 'text/csv' });
  if (upload.status !== 200) throw new Error(JSON.stringify(upload.body));
  const activation = await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, options.activation ?? { mode: 'all-users' });
  if (activation.status !== 200) throw new Error(JSON.stringify(activation.body));
  return id;
}
