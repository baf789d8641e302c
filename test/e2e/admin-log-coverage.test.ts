import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRouter } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * Every admin route that changes something, and the admin-log action it records (proved
 * route by route through the API in admin-log.test.ts). Routes are read from the routers
 * the collector mounts, so a change route added later fails here until its change is
 * recorded (recordAdminAction in its service) and listed, or it is listed as no change.
 */
const RECORDED: Record<string, string> = {
  'POST /admin/v1/api-keys': 'api-key create',
  'DELETE /admin/v1/api-keys/:id': 'api-key revoke',
  'POST /admin/v1/integrations': 'integration create',
  'PATCH /admin/v1/integrations/:id': 'integration update',
  'DELETE /admin/v1/integrations/:id': 'integration delete',
  'PUT /admin/v1/integrations/:id/activation': 'integration activation',
  'POST /admin/v1/integrations/:id/sync': 'integration sync',
  'POST /admin/v1/integrations/:id/sync/cancel': 'integration cancel-sync',
  'PUT /admin/v1/integrations/:id/inventory': 'integration upload',
  'POST /admin/v1/endpoints/:id/block': 'endpoint block',
  'DELETE /admin/v1/endpoints/:id/block': 'endpoint unblock',
  'POST /admin/v1/endpoints/:id/approve': 'endpoint approve',
  'POST /admin/v1/endpoints/:id/deny': 'endpoint deny',
  'POST /admin/v1/endpoints/:id/release': 'endpoint release',
  'POST /admin/v1/trusted-endpoints/:id/rotate': 'trusted-endpoints-key rotate',
  'POST /admin/v1/applications/:id/rotate-secret': 'application rotate-secret',
  'POST /admin/v1/backup': 'database backup',
  'DELETE /admin/v1/endpoints/:id': 'endpoint forget',
  'POST /admin/v1/applications': 'application create',
  'PATCH /admin/v1/applications/:id': 'application update',
  'DELETE /admin/v1/applications/:id': 'application delete',
  'PUT /admin/v1/policy': 'policy update',
  'PUT /admin/v1/users/:username': 'user create or update',
  'DELETE /admin/v1/users/:username': 'user delete',
  'POST /admin/v1/enrollment-key': 'enrollment-key rotate',
  'POST /admin/v1/oidc/rotate-keys': 'oidc-key rotate',
  'DELETE /admin/v1/oidc/keys/:kid': 'oidc-key withdraw',
};

/** Non-GET routes that change nothing. */
const NO_CHANGE: Record<string, string> = {
  'POST /admin/v1/integrations/:id/test': 'asks the vendor whether the configuration works',
};

describe('the admin log covers every admin route that changes something', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('each change route is recorded, and the list names no route that is gone', () => {
    const layers = [...adminRouter(c.services, c.channel).stack, ...keyAdminRouter(c.services, () => undefined).stack] as {
      methods: string[];
      path: string | RegExp;
    }[];
    const changes = layers
      .filter((l) => l.methods.length > 0)
      .flatMap((l) => l.methods.filter((m) => !['GET', 'HEAD'].includes(m)).map((m) => `${m} ${String(l.path)}`));
    assert.ok(changes.length >= 20, `only ${changes.length} change routes found: the routers were not enumerated`);
    const unlisted = changes.filter((r) => !(r in RECORDED) && !(r in NO_CHANGE));
    assert.deepEqual(unlisted, [], `change routes the admin log does not record: ${unlisted.join(', ')}`);
    const gone = [...Object.keys(RECORDED), ...Object.keys(NO_CHANGE)].filter((r) => !changes.includes(r));
    assert.deepEqual(gone, []);
  });
});
