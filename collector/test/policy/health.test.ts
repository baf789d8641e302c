import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { startPostureAgent, type PostureAgent } from '../support/posture-agent.js';

const MAC = { platform: 'macos' as const, serialNumber: 'C02HEALTH01', osVersion: '13.6.1' };

describe('health requirements through the transaction API', () => {
  let c: TestCollector;
  let strict: TestApp;
  let open: TestApp;
  let device: PostureAgent;

  const verdict = async (app: TestApp) => {
    const tx = await app.open('carol@example.com');
    await device.attest(tx);
    return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, 'serial_number,device_name,platform\nC02HEALTH01,MAC-CAROL,macos\n');
    // The global policy sets the rules; one app lifts the OS minimum, another records only.
    await c.admin('PUT', '/admin/v1/policy', { requireDiskEncryption: true, requireFirewall: true, minOsVersion: { macos: '14.0' } });
    strict = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
    open = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Wiki');
    device = await startPostureAgent(c.url, MAC, { diskEncryption: false, firewall: true });
  });
  afterAll(async () => {
    await device.stop();
    await c.stop();
  });

  it('a trusted device failing required health is denied under require-trusted, with each rule in the reasons', async () => {
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.equal(v.reasons[0], 'denied: the device fails a required health check');
    assert.ok(v.reasons.includes('rule requireDiskEncryption=on: disk encryption is off, reported by the agent (fail)'));
    assert.ok(v.reasons.includes('rule requireFirewall=on: the firewall is on, reported by the agent (pass)'));
    assert.ok(v.reasons.includes('rule minOsVersion: macos 14.0 required, the device runs 13.6.1, reported by the agent (fail)'));
  });

  it('under allow-all the same device gets in, and the verdict records the failure', async () => {
    const v = await verdict(open);
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'allow']);
  });

  it('once healthy, the device is allowed', async () => {
    device.set({ ...MAC, osVersion: '14.4.1' }, { diskEncryption: true, firewall: true });
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['trusted', 'allow']);
    assert.ok(v.reasons.includes('rule minOsVersion: macos 14.0 required, the device runs 14.4.1, reported by the agent (pass)'));
  });

  it('an application can lift a global requirement', async () => {
    device.set(MAC, { diskEncryption: true, firewall: true });
    assert.equal((await verdict(strict)).access, 'deny');
    assert.equal((await c.admin('PATCH', `/admin/v1/applications/${strict.id}`, { policy: { minOsVersion: {} } })).status, 200);
    assert.equal((await verdict(strict)).access, 'allow');
  });
});
