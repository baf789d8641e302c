import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { createEdrAssessor, type EdrAssessorOptions } from '@devtrust/collector/edr/assessor';
import type { EdrAssessor } from '@devtrust/collector/services/verdicts';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { startPostureAgent, type PostureAgent } from '../support/posture-agent.js';
import { createEdrIntegration, syncAndWait } from '../support/edr-integrations.js';
import {
  ampComputer,
  AMP_API_KEY,
  AMP_CLIENT_ID,
  startFakeSecureEndpoint,
  type FakeSecureEndpoint,
} from '../vendors/edr/cisco-secure-endpoint.js';

const GUID = '22d4a486-1732-4f8b-9a6f-18f172fe7af0';
const HOUR = 3_600_000;

/**
 * The rule when the EDR API is down: the last known status counts while the last good
 * sync is within the freshness bound (3 × 5 min); beyond it, an on-demand lookup is
 * tried, and when that fails too the status is "unknown" — which require-trusted lets a
 * trusted device through unless the policy sets edrUnknown=deny. Never a crash, never
 * a silent "clean".
 */
describe('EDR API down', () => {
  let c: TestCollector;
  let amp: FakeSecureEndpoint;
  let strict: TestApp;
  let strictest: TestApp;
  let device: PostureAgent;
  let edrId: string;
  let restore: () => void;

  const verdict = async (app: TestApp) => {
    const tx = await app.open('alice@example.com');
    await device.attest(tx);
    const body = (await app.read(tx)).body as { state: string; verdict: string; access: string; reasons: string[] };
    assert.equal(body.state, 'decided');
    return { ...body, text: body.reasons.join('\n') };
  };
  /** The verdicts' EDR clock, `offsetMs` ahead of the wall clock (a fresh lookup cache each time). */
  // The collector's verdicts call whichever assessor clockAhead built last.
  let edrOptions: EdrAssessorOptions;
  let assessor: EdrAssessor;
  const clockAhead = (offsetMs: number, lookupTimeoutMs?: number) => {
    assessor = createEdrAssessor({
      ...edrOptions,
      now: () => Date.now() + offsetMs,
      ...(lookupTimeoutMs ? { lookupTimeoutMs } : {}),
    });
  };

  beforeAll(async () => {
    restore = overrideVendorClientForTests({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    c = await startTestCollector({
      scheduler: false,
      edrAssessor: (options) => {
        edrOptions = options;
        assessor = createEdrAssessor(options);
        return (...args) => assessor(...args);
      },
    });
    await csvInventory(c, 'serial_number,device_name,platform\nPF2DOWN01,LAPTOP-ALICE,windows\n');
    amp = await startFakeSecureEndpoint({ computers: [ampComputer(GUID, { is_compromised: false })] });
    edrId = await createEdrIntegration(
      c,
      'cisco-secure-endpoint',
      { baseUrl: amp.url, clientId: AMP_CLIENT_ID, apiKey: AMP_API_KEY },
      { name: 'Secure Endpoint' },
    );
    strict = await createTestApp(c, { trustedEndpoints: 'require-trusted', blockCompromised: true }, 'Payroll');
    strictest = await createTestApp(c, { trustedEndpoints: 'require-trusted', blockCompromised: true, edrUnknown: 'deny' }, 'Treasury');
    device = await startPostureAgent(c.url, {
      platform: 'windows',
      serialNumber: 'PF2DOWN01',
      edr: [{ vendor: 'cisco-secure-endpoint', installed: true, running: true, connectorId: `{${GUID.toUpperCase()}}` }],
    });
  });
  afterAll(async () => {
    await device.stop();
    await c.stop();
    await amp.stop().catch(() => undefined);
    restore();
  });

  it('while the EDR answers, verdicts follow it', async () => {
    assert.equal((await syncAndWait(c, edrId)).status, 'succeeded');
    assert.equal((await verdict(strict)).access, 'allow');
    amp.computers = [ampComputer(GUID, { is_compromised: true })];
    assert.equal((await syncAndWait(c, edrId)).status, 'succeeded');
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.match(
      v.text,
      /EDR "Secure Endpoint" \(cisco-secure-endpoint\): compromised \(Secure Endpoint marks the computer compromised\), matched on connector ID 22D4A48617324F8B9A6F18F172FE7AF0; synced under a minute ago, within the 15 min freshness bound/,
    );
  });

  it('down, within the freshness bound: the failed sync is recorded and the last known status holds', async () => {
    await amp.down();
    const run = await syncAndWait(c, edrId);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /cannot reach Cisco Secure Endpoint/);
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.match(v.text, /compromised .*within the 15 min freshness bound/);
  });

  it('down, beyond the freshness bound: the lookup fails and the status is unknown, with the stated consequence', async () => {
    clockAhead(HOUR);
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['trusted', 'allow']);
    assert.match(v.text, /^EDR status: unknown$/m);
    assert.match(
      v.text,
      /unknown — last known compromised is stale \(last synced 1 h ago, beyond the 15 min freshness bound\) and the on-demand lookup of connector \{22D4A486-1732-4F8B-9A6F-18F172FE7AF0\} failed: cannot reach Cisco Secure Endpoint/,
    );
    assert.match(
      v.text,
      /rule blockCompromised=on: EDR status unknown; edrUnknown=allow, so an unknown status does not deny a trusted device/,
    );
    assert.doesNotMatch(v.text, /EDR status: clean|: clean \(/);
    const denied = await verdict(strictest);
    assert.deepEqual([denied.verdict, denied.access], ['untrusted', 'deny']);
    assert.match(denied.reasons[0] as string, /EDR status of this device is unknown and the policy sets edrUnknown=deny/);
  });

  it('garbage from the vendor is unknown too, never a crash', async () => {
    await amp.up();
    amp.fail({ times: 5, path: /^\/v1\/computers\//, garbage: true });
    clockAhead(HOUR);
    const v = await verdict(strict);
    assert.equal(v.access, 'allow');
    assert.match(v.text, /on-demand lookup of connector .* failed: Cisco Secure Endpoint answered 200 with something that is not JSON/);
    amp.clearFaults();
  });

  it('a vendor that never answers holds the verdict up only until the lookup timeout', async () => {
    amp.fail({ times: 5, path: /^\/v1\/computers\//, hang: true });
    clockAhead(HOUR, 200);
    const v = await verdict(strict);
    assert.equal(v.access, 'allow');
    assert.match(v.text, /on-demand lookup of connector .* failed: no answer within 0.2s/);
    amp.clearFaults();
  });

  it('back up, stale data: the on-demand lookup answers live', async () => {
    clockAhead(HOUR);
    const v = await verdict(strict);
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.match(
      v.text,
      /compromised \(Secure Endpoint marks the computer compromised\) for connector \{22D4A486-1732-4F8B-9A6F-18F172FE7AF0\}, looked up just now; synced data last synced 1 h ago, beyond the 15 min freshness bound/,
    );
    assert.equal(
      amp.count(/^\/v1\/computers\/22d4a486-1732-4f8b-9a6f-18f172fe7af0$/) > 0,
      true,
      'the lookup used the API spelling of the GUID',
    );
  });
});
