import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRouter } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

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
  'POST /admin/v1/reenrollments/release': 'endpoint release (one entry per predecessor released)',
  'POST /admin/v1/trusted-endpoints/:id/rotate': 'trusted-endpoints-key rotate',
  'POST /admin/v1/applications/:id/rotate-secret': 'application rotate-secret',
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
  'POST /admin/v1/backup': 'backup take',
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

  it('a backup (a copy of every secret hash and sealed credential) is recorded, with who took it and what it holds', async () => {
    const response = await fetch(`${c.url}/admin/v1/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'user-agent': 'backup-script/2' },
    });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    const log = await c.admin('GET', '/admin/v1/admin-log?resourceType=backup');
    assert.equal(log.status, 200);
    assert.equal(log.body.entries.length, 1);
    const [entry] = log.body.entries;
    assert.equal(entry.action, 'take');
    assert.equal(entry.actor.kind, 'api-key');
    assert.ok(entry.actor.keyId);
    assert.equal(entry.actor.userAgent, 'backup-script/2');
    assert.equal(entry.after.sha256, response.headers.get('x-devtrust-backup-sha256'));
    assert.equal(entry.after.masterKeyCheck, response.headers.get('x-devtrust-master-key-check'));
  });
});
