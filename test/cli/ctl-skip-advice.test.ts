import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { startClonedFleet, type ClonedFleet } from '../support/cloned-fleet.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * `devtrustctl endpoint release-reenrolled` says what to do about each skip reason, once per
 * reason: a disk image copied onto three machines without a new MachineGuid, a laptop re-imaged
 * seconds ago (the default quiet period), one whose old key still reports.
 */
describe('devtrustctl endpoint release-reenrolled: what to do about the skipped', () => {
  let fleet: ClonedFleet;
  beforeAll(async () => {
    fleet = await startClonedFleet();
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('gives advice per skip reason: cloned image, wait for the quiet period, check which machine is which', async () => {
    const { c, ids } = fleet;
    const preview = await runBin('devtrustctl', ['endpoint', 'release-reenrolled'], {
      env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
    });
    assert.equal(preview.code, 0, preview.stderr);
    const out = preview.stdout;
    assert.match(out, /^4 skipped by reason: .*several-newcomers 2/m, out);
    assert.doesNotMatch(out, /one at a time once checked/);
    const advice = out.slice(out.indexOf('what to do:'));
    assert.match(
      advice,
      /^ {2}several-newcomers: a disk image copied without resetting its MachineGuid \(or a device cloned\): reset it on the copies \(Windows: sysprep \/generalize, or a new MachineGuid\), let them report, then approve each copy that now reports identifiers of its own$/m,
    );
    assert.match(
      advice,
      /^ {2}too-recent: wait until the time its detail gives \(DEVTRUST_REENROLLMENT_QUIET_MINUTES after the new key enrolled, default 30\)/m,
    );
    assert.match(advice, /^ {2}predecessor-still-reporting: the old key still reports: check which machine is which before releasing$/m);
    // Each reason once, however many endpoints it skipped.
    assert.equal(advice.match(/sysprep/g)?.length, 1, advice);
    // The too-recent row's detail names the time and the setting.
    assert.match(out, new RegExp(`${ids.newA}.*too-recent.*waits until \\d{4}-\\d\\d-\\d\\dT`));
    const json = await runBin('devtrustctl', ['--json', 'endpoint', 'release-reenrolled'], {
      env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
    });
    const recent = (JSON.parse(json.stdout) as { skipped: { reason: string; detail: string }[] }).skipped.find(
      (s) => s.reason === 'too-recent',
    );
    assert.match(recent?.detail ?? '', /\(DEVTRUST_REENROLLMENT_QUIET_MINUTES\)$/);
  });
});

/**
 * A blocked device (stolen, say) whose identity comes back under a new key: releasing the blocked
 * endpoint would hand its identifiers to the new one, so the advice is to deny (a reviewer
 * followed the generic "check it, then release the old endpoint" and trusted the thief).
 */
describe('devtrustctl endpoint release-reenrolled: a blocked predecessor', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' } });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c?.stop();
  });

  it('says to deny the new endpoint unless the device was recovered, not to release the old one', async () => {
    const stolen: DeviceIdentity = { platform: 'windows', hostname: 'bob-lap', serialNumber: 'STOLEN-ADVICE-1' };
    const bob = await startTestAgent(c.url, stolen);
    agents.push(bob);
    const bobId = bob.agent.status().endpointId as string;
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${bobId}/block`)).status, 200);
    agents.push(await startTestAgent(c.url, stolen));
    const preview = await runBin('devtrustctl', ['endpoint', 'release-reenrolled'], {
      env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
    });
    assert.equal(preview.code, 0, preview.stderr);
    const advice = preview.stdout.slice(preview.stdout.indexOf('what to do:'));
    assert.match(
      advice,
      /^ {2}predecessor-blocked: the old endpoint is blocked \(a stolen device\?\): deny the new one unless you know the device was recovered$/m,
      advice,
    );
    assert.doesNotMatch(advice, /endpoint release OLD/);
  });
});
