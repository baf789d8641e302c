import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { startPostureAgent, type PostureAgent } from '../support/posture-agent.js';
import { createEdrIntegration, syncAndWait } from '../support/edr-integrations.js';
import { s1Agent, S1_API_TOKEN, startFakeSentinelOne, type FakeSentinelOne } from '../vendors/edr/sentinelone.js';

const S1_UUID = '9de5069c5afe602b2ea0a04b66beb2c0';

describe('activation: an integration applies only to the users it is active for, and the platforms it covers', () => {
  let c: TestCollector;
  let s1: FakeSentinelOne;
  let app: TestApp;
  let device: PostureAgent;
  let csvId: string;
  let edrId: string;

  const verdictFor = async (username: string) => {
    const tx = await app.open(username);
    await device.attest(tx);
    return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
  };
  const activate = async (id: string, body: unknown) =>
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, body)).status, 200);

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    csvId = await csvInventory(c, 'serial_number,device_name,platform\nPF2ACTIV8,LAPTOP-ALICE,windows\n', {
      activation: { mode: 'disabled' },
    });
    s1 = await startFakeSentinelOne({ agents: [s1Agent(S1_UUID, { infected: true, activeThreats: 1 })] });
    edrId = await createEdrIntegration(
      c,
      'sentinelone',
      { baseUrl: s1.url, apiToken: S1_API_TOKEN },
      { name: 'Singularity', activation: { mode: 'disabled' } },
    );
    assert.equal((await syncAndWait(c, edrId)).status, 'succeeded');
    assert.equal((await c.admin('PUT', '/admin/v1/users/alice@example.com', { groups: ['Pilot'] })).status, 200);
    assert.equal((await c.admin('PUT', '/admin/v1/users/bob@example.com', { groups: ['Sales'] })).status, 200);
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted', blockCompromised: true }, 'Payroll');
    device = await startPostureAgent(c.url, {
      platform: 'windows',
      serialNumber: 'PF2ACTIV8',
      edr: [{ vendor: 'sentinelone', installed: true, running: true, connectorId: S1_UUID }],
    });
  });
  afterAll(async () => {
    await device.stop();
    await c.stop();
    await s1.stop();
  });

  it('new integrations are created disabled: the device is untrusted and says why', async () => {
    const v = await verdictFor('alice@example.com');
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.ok(v.reasons.includes('integration "Corporate inventory" (csv) not applied: the integration is disabled'), v.reasons.join('\n'));
    assert.ok(v.reasons.includes('EDR "Singularity" (sentinelone) not applied: the integration is disabled'));
  });

  it('all users: the same device and user are trusted', async () => {
    await activate(csvId, { mode: 'all-users' });
    const v = await verdictFor('alice@example.com');
    assert.deepEqual([v.verdict, v.access], ['trusted', 'allow']);
  });

  it('test groups: trusted only for a member (group names compare without case)', async () => {
    await activate(csvId, { mode: 'test-groups', groups: ['pilot'] });
    assert.deepEqual([(await verdictFor('alice@example.com')).access], ['allow']);
    const bob = await verdictFor('bob@example.com');
    assert.deepEqual([bob.verdict, bob.access], ['untrusted', 'deny']);
    assert.ok(
      bob.reasons.some(
        (r) =>
          r ===
          'integration "Corporate inventory" (csv) not applied: active for test groups "pilot" only, and bob@example.com is in none of them',
      ),
    );
    const carol = await verdictFor('carol@example.com');
    assert.ok(carol.reasons.some((r) => /carol@example.com is not a known user/.test(r)));
  });

  it('disabled again: untrusted', async () => {
    await activate(csvId, { mode: 'disabled' });
    const v = await verdictFor('alice@example.com');
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    await activate(csvId, { mode: 'all-users' });
  });

  it('an EDR integration in test groups reports compromise only for its members', async () => {
    await activate(edrId, { mode: 'test-groups', groups: ['Pilot'] });
    const alice = await verdictFor('alice@example.com');
    assert.deepEqual([alice.verdict, alice.access], ['untrusted', 'deny']);
    assert.match(alice.reasons[0] as string, /compromised/);
    const bob = await verdictFor('bob@example.com');
    assert.deepEqual([bob.verdict, bob.access], ['trusted', 'allow']);
    assert.ok(bob.reasons.includes('rule blockCompromised=on: no EDR integration applies to this user and device'));
  });

  it('an EDR integration applies only to the platforms it covers', async () => {
    await activate(edrId, { mode: 'all-users' });
    assert.equal((await verdictFor('bob@example.com')).access, 'deny');
    assert.equal((await c.admin('PATCH', `/admin/v1/integrations/${edrId}`, { platforms: ['macos'] })).status, 200);
    const v = await verdictFor('bob@example.com');
    assert.equal(v.access, 'allow');
    assert.ok(v.reasons.includes('EDR "Singularity" (sentinelone) does not cover windows'));
    await c.admin('PATCH', `/admin/v1/integrations/${edrId}`, { platforms: ['windows', 'macos'] });
  });

  it('the admin API shows users, groups and which integrations apply to whom', async () => {
    const users = (await c.admin('GET', '/admin/v1/users')).body.users.map((u: any) => [u.username, u.groups]);
    assert.deepEqual(users, [
      ['alice@example.com', ['Pilot']],
      ['bob@example.com', ['Sales']],
    ]);
    assert.deepEqual((await c.admin('GET', '/admin/v1/groups')).body.groups, [
      { name: 'Pilot', members: 1 },
      { name: 'Sales', members: 1 },
    ]);
    assert.deepEqual((await c.admin('GET', '/admin/v1/groups/pilot')).body, { name: 'pilot', members: ['alice@example.com'] });
    assert.equal((await c.admin('GET', '/admin/v1/groups/nobody')).status, 404);
    await activate(csvId, { mode: 'test-groups', groups: ['Pilot'] });
    const bob = (await c.admin('GET', '/admin/v1/users/BOB@example.com/integrations')).body;
    assert.equal(bob.username, 'bob@example.com');
    const csv = bob.integrations.find((i: any) => i.id === csvId);
    assert.deepEqual([csv.applies, csv.reason], [false, 'active for test groups "Pilot" only, and bob@example.com is in none of them']);
    assert.equal(bob.integrations.find((i: any) => i.id === edrId).applies, true);
    const appManager = (await c.admin('POST', '/admin/v1/api-keys', { name: 'apps', role: 'app-manager' })).body.key as string;
    for (const path of ['/admin/v1/groups/pilot', '/admin/v1/users/bob@example.com/integrations']) {
      assert.equal((await c.admin('GET', path, undefined, { token: appManager })).status, 403, path);
    }
  });
});
