import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../../../test/support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';

/**
 * GET /admin/v1/kinds through the real server: what the console and devtrustctl build their
 * forms from. Every role may read it; it names the secret and host-bearing fields and what
 * each kind can do, and routes act on those capabilities (never on a kind's name).
 */
describe('GET /admin/v1/kinds and devtrustctl kinds', () => {
  let c: TestCollector;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    keys.owner = OWNER_TOKEN;
    for (const role of ['admin', 'app-manager', 'read-only']) {
      const created = await c.admin('POST', '/admin/v1/api-keys', { name: role, role });
      keys[role] = created.body.key as string;
    }
  });
  afterAll(async () => {
    await c.stop();
  });

  it('answers every role the same catalogue, and no one without a key', async () => {
    const answers = await Promise.all(Object.values(keys).map((token) => c.admin('GET', '/admin/v1/kinds', undefined, { token })));
    for (const answer of answers) assert.equal(answer.status, 200);
    for (const answer of answers.slice(1)) assert.deepEqual(answer.body, answers[0]?.body);
    const anonymous = await fetch(`${c.url}/admin/v1/kinds`);
    assert.equal(anonymous.status, 401);
  });

  it('describes each kind: category, platforms, capabilities, secret and host-bearing fields', async () => {
    const { body } = await c.admin('GET', '/admin/v1/kinds');
    const byKind = new Map((body.kinds as any[]).map((k) => [k.kind, k]));
    assert.deepEqual(
      [...byKind.keys()],
      ['csv', 'workspace-one', 'mobileiron-core', 'intune', 'jamf-pro', 'kandji', 'cisco-secure-endpoint', 'crowdstrike', 'sentinelone'],
    );
    const csv = byKind.get('csv');
    assert.deepEqual(csv.capabilities, { sync: false, upload: true });
    assert.equal(csv.category, 'mdm');
    const jamf = byKind.get('jamf-pro');
    assert.deepEqual(jamf.capabilities, { sync: true, upload: false });
    assert.deepEqual(jamf.platforms, ['macos', 'ios']);
    const field = (kind: any, name: string) => kind.fields.find((f: any) => f.name === name);
    assert.deepEqual(
      { secret: field(jamf, 'clientSecret').secret, host: field(jamf, 'baseUrl').hostBearing, required: field(jamf, 'baseUrl').required },
      { secret: true, host: true, required: true },
    );
    assert.equal(field(jamf, 'clientId').secret, false);
    assert.deepEqual(field(jamf, 'pageSize'), {
      name: 'pageSize',
      label: 'Page size',
      type: 'number',
      required: false,
      secret: false,
      hostBearing: false,
      default: 250,
      placeholder: null,
      advanced: true,
    });
    const intune = byKind.get('intune');
    assert.equal(field(intune, 'graphUrl').default, 'https://graph.microsoft.com');
    assert.equal(field(intune, 'graphUrl').hostBearing, true);
    const ws1 = byKind.get('workspace-one');
    assert.deepEqual(
      ws1.variants.map((v: any) => v.id),
      ['basic', 'oauth'],
    );
    assert.equal(field(ws1, 'tenantCode').secret, true);
    const falcon = byKind.get('crowdstrike');
    assert.equal(falcon.category, 'edr');
    assert.equal(falcon.defaultIntervalMinutes, 5);
    assert.deepEqual(falcon.variants[0].fields, ['baseUrl', 'clientId', 'clientSecret', 'freshnessMinutes']);
  });

  it('syncs and uploads only what the kind can do', async () => {
    const csv = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Upload', platforms: ['windows'], config: {} });
    assert.equal(csv.body.nextSyncAt, null, 'an uploaded inventory is never scheduled');
    const sync = await c.admin('POST', `/admin/v1/integrations/${csv.body.id}/sync`);
    assert.deepEqual([sync.status, sync.body.error.code], [400, 'NOT_SYNCABLE']);

    const jamf = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'Synced',
      platforms: ['macos'],
      config: { baseUrl: 'https://jamf.example.com', clientId: 'id', clientSecret: 'secret-0001' },
    });
    assert.equal(typeof jamf.body.nextSyncAt, 'number');
    const upload = await c.admin('PUT', `/admin/v1/integrations/${jamf.body.id}/inventory`, 'serial_number\nX1\n', {
      contentType: 'text/csv',
    });
    assert.deepEqual([upload.status, upload.body.error.code], [400, 'NOT_UPLOADABLE']);
  });

  it('devtrustctl kinds prints one row per kind with its fields, and --json the API answer', async () => {
    const env = { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: keys['read-only'] as string };
    const table = await runBin('devtrustctl', ['kinds'], { env });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^kind\s+category\s+label\s+platforms\s+fields$/);
    assert.equal(lines.length, 10);
    const jamf = lines.find((l) => l.startsWith('jamf-pro '));
    assert.match(jamf ?? '', /mdm\s+Jamf Pro\s+macos; ios\s+baseUrl; clientId; clientSecret; mobileDevices; pageSize$/);
    const json = await runBin('devtrustctl', ['kinds', '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), (await c.admin('GET', '/admin/v1/kinds')).body);
  });
});
