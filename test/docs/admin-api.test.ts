import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRouter } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { verdictRouter } from '@devtrust/collector/verdict/routes';
import { ROOT } from '../support/bin.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';

/** Parameter names may differ between code and doc (`:id` and `:integrationId` are one route). */
const shape = (route: string): string => route.replace(/:\w+/g, ':param');

/**
 * docs/admin-api.md is where admins learn the API: every route the collector mounts, taken from
 * the routers themselves as test/e2e/authz-matrix.test.ts does, is named there as `METHOD /path`.
 */
describe('docs/admin-api.md', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c.stop());

  it('names every admin and transaction API route', () => {
    const layers = [
      ...adminRouter(c.services, c.channel).stack,
      ...keyAdminRouter(c.services, () => undefined).stack,
      ...verdictRouter(c.services).stack,
    ] as { methods: string[]; path: string | RegExp }[];
    const routes = layers
      .filter((l) => l.methods.length > 0)
      .flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${shape(String(l.path))}`));
    assert.ok(routes.length > 40, `only ${routes.length} routes found: the routers were not enumerated`);

    const doc = readFileSync(path.join(ROOT, 'docs/admin-api.md'), 'utf8');
    // `METHOD /admin/v1/…` as the tables write it; a query string or `[?…]` after the path does not count.
    const documented = new Set(
      [...doc.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?[]+)/g)].map((m) => `${m[1]} ${shape(m[2] as string)}`),
    );
    const missing = [...new Set(routes)].filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], `routes the collector serves but docs/admin-api.md does not name: ${missing.join(', ')}`);
  });
});
