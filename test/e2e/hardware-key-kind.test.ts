import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { SoftwareKeyStore } from '@devtrust/agent/keys/device-key';
import { FileKeyStore } from '@devtrust/agent/keys/key-store';
import { SecureEnclaveKeyStore } from '@devtrust/agent/keys/secure-enclave-store';
import type { DeviceKeyStores } from '@devtrust/agent/keys/select-device-key';
import { fakeSecureEnclaveHelper } from '../../agent/test/keys/fake-key-helpers.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { describeUnless } from '../support/skip.js';
import { DATABASES } from '../support/postgres.js';

/**
 * The agent's key kind, end to end: a real agent core whose Secure Enclave store talks to a
 * software stand-in for the helper (same protocol, P-256 key in software: there is no Secure
 * Enclave here) enrolls, reports and attests; the collector stores the kind it claims and
 * requireHardwareKey trusts it. An agent whose helper is missing falls back to software.
 */
const identity = (serialNumber: string) => ({ platform: 'macos' as const, hostname: serialNumber.toLowerCase(), serialNumber });
const stores =
  (helper: ReturnType<typeof fakeSecureEnclaveHelper>) =>
  (dataDir: string): DeviceKeyStores => ({
    software: new SoftwareKeyStore(new FileKeyStore(path.join(dataDir, 'device-key.pem'))),
    hardware: new SecureEnclaveKeyStore(path.join(dataDir, 'device-key.se.json'), helper.runner),
  });

for (const database of DATABASES) {
  describeUnless(database.skip)(`hardware key kinds from a real agent (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let hardwareOnly: TestApp;
    const agents: TestAgent[] = [];
    const dataDirs: string[] = [];

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      await csvInventory(
        c,
        'serial_number,device_name,platform\nSE-MAC-1,se-mac-1,macos\nOLD-MAC-2,old-mac-2,macos\nSE-MAC-3,se-mac-3,macos\n',
        {
          platforms: ['macos'],
        },
      );
      hardwareOnly = await createTestApp(c, { trustedEndpoints: 'require-trusted', requireHardwareKey: true }, 'Hardware keys only');
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      await c?.close();
    });

    it('an agent with a Secure Enclave key enrolls as such, keeps that key across restarts, and meets requireHardwareKey', async () => {
      const helper = fakeSecureEnclaveHelper();
      const first = await startTestAgent(c.url, identity('SE-MAC-1'), { deviceKeys: stores(helper) });
      const endpointId = first.agent.status().endpointId as string;
      const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.equal(endpoint.keyKind, 'secure-enclave');
      assert.equal(JSON.parse(readFileSync(path.join(first.dataDir, 'state.json'), 'utf8')).keyKind, 'secure-enclave');

      const tx = await hardwareOnly.open('alice@example.com');
      const verdict = await first.agent.attest(tx);
      assert.equal(verdict.verdict, 'trusted', JSON.stringify(verdict.reasons));
      assert.ok(verdict.reasons.includes('rule requireHardwareKey=on: the agent reports a Secure Enclave key, not attested (pass)'));

      // Restarted with the same data dir: the same enclave key signs in, no new enrollment.
      await first.agent.stop();
      dataDirs.push(first.dataDir);
      const again = await startTestAgent(c.url, identity('SE-MAC-1'), { dataDir: first.dataDir, deviceKeys: stores(helper) });
      agents.push(again);
      assert.equal(again.agent.status().endpointId, endpointId);
      assert.equal(helper.calls.filter((call) => call.endsWith(' create')).length, 1);
    });

    it('a hardware key that stops signing fails the request at once, saying so (not at its timeout)', async () => {
      const helper = fakeSecureEnclaveHelper();
      let broken = false;
      const failing = (dataDir: string): DeviceKeyStores => {
        const base = stores(helper)(dataDir);
        const runner: typeof helper.runner = async (command, args, options) =>
          broken && args[0] === 'sign'
            ? { ok: true, code: 1, stdout: '', stderr: 'SecKeyCreateSignature: the key is not available' }
            : helper.runner(command, args, options);
        return { ...base, hardware: new SecureEnclaveKeyStore(path.join(dataDir, 'device-key.se.json'), runner) };
      };
      const agent = await startTestAgent(c.url, identity('SE-MAC-3'), { deviceKeys: failing });
      agents.push(agent);
      broken = true;
      await assert.rejects(agent.agent.link.check(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'KEY_FAILED');
        assert.match(error.message, /the device key could not sign: the Secure Enclave helper could not sign: SecKeyCreateSignature/);
        return true;
      });
      // Repaired, the same key signs again on the same session.
      broken = false;
      assert.equal((await agent.agent.link.check()).verdict, 'trusted');
    });

    it('an agent whose helper is missing falls back to a software key, which requireHardwareKey does not trust', async () => {
      const agent = await startTestAgent(c.url, identity('OLD-MAC-2'), {
        deviceKeys: stores(fakeSecureEnclaveHelper({ installed: false })),
      });
      agents.push(agent);
      const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${agent.agent.status().endpointId}`)).body;
      assert.equal(endpoint.keyKind, 'software');
      const verdict = await agent.agent.attest(await hardwareOnly.open('bob@example.com'));
      assert.equal(verdict.access, 'deny');
      assert.match(verdict.reasons.join('\n'), /requires a hardware-backed device key and this agent enrolled with a software key/);
    });
  });
}
