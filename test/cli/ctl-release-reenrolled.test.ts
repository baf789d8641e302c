import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/** These pairs are seconds old: the quiet period (its own test: collector/test/store/reenrollment-races.test.ts) is off here. */
const NO_QUIET_PERIOD = { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' };

/** `devtrustctl endpoint release-reenrolled`, through the built binary, against a real collector and real agents. */
describe('devtrustctl endpoint release-reenrolled', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};
  // New York, not UTC: a window must not depend on the zone devtrustctl runs in.
  const ctl = (args: string[], key = OWNER_TOKEN) =>
    runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: key, TZ: 'America/New_York' } });
  const laptop = (n: number): DeviceIdentity => ({
    platform: 'windows',
    hostname: `wks-${n}`,
    serialNumber: `CTL-REENROLL-${n}`,
    machineGuid: `6f1b0c1e-9a44-4d1b-8a61-0c0ffee1000${n}`,
  });
  const enroll = async (name: string, identity: DeviceIdentity) => {
    const started = await startTestAgent(c.url, identity);
    agents.push(started);
    ids[name] = started.agent.status().endpointId as string;
    return started;
  };
  const releasedAt = async (name: string) => (await c.admin('GET', `/admin/v1/endpoints/${ids[name]}`)).body.releasedAt;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: NO_QUIET_PERIOD });
    await enroll('old1', laptop(1));
    await enroll('old2', laptop(2));
    const old3 = await enroll('old3', laptop(3));
    await enroll('new1', laptop(1));
    await enroll('new2', laptop(2));
    await enroll('new3', laptop(3));
    // The third laptop's old key is still in use: never released in bulk.
    const enrolled = (await c.admin('GET', `/admin/v1/endpoints/${ids.new3}`)).body.enrolledAt as number;
    while (Date.now() <= enrolled) await new Promise((resolve) => setTimeout(resolve, 2));
    await old3.agent.reportNow();
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  it('prints the preview and releases nothing without --yes; --yes releases exactly what it printed', async () => {
    const preview = await ctl(['endpoint', 'release-reenrolled']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^2 re-enrolled devices to release \(new endpoints enrolled at any time\):$/m);
    for (const name of ['old1', 'old2', 'new1', 'new2']) assert.match(preview.stdout, new RegExp(ids[name] as string), name);
    assert.match(preview.stdout, /serialNumber CTLREENROLL1/);
    assert.match(preview.stdout, /^1 skipped .*predecessor-still-reporting 1$/m);
    // The skipped one with what it claims, by kind: what the admin checks before releasing it alone.
    assert.match(preview.stdout, new RegExp(`${ids.new3}.*serialNumber CTLREENROLL3.*predecessor-still-reporting`));
    assert.match(preview.stderr, /run again with --yes to release these 2/);
    const dry = await ctl(['endpoint', 'release-reenrolled', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    for (const name of ['old1', 'old2', 'old3']) assert.equal(await releasedAt(name), null, name);

    assert.equal((await ctl(['endpoint', 'release-reenrolled', '--yes', '--dry-run'])).code, 2);
    const badDate = await ctl(['endpoint', 'release-reenrolled', '--enrolled-after', 'last tuesday']);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /--enrolled-after must be an ISO date/);
    // One pair in the window (from new2's enrollment, in ms): "this one", and the window echoed in UTC.
    const new2At = (await c.admin('GET', `/admin/v1/endpoints/${ids.new2}`)).body.enrolledAt as number;
    const one = await ctl(['endpoint', 'release-reenrolled', '--enrolled-after', String(new2At)]);
    assert.equal(one.code, 0, one.stderr);
    const shownAt = new Date(new2At).toISOString().replace('.000Z', 'Z');
    assert.match(one.stdout, new RegExp(`^1 re-enrolled device to release \\(new endpoints enrolled after ${shownAt}\\):$`, 'm'));
    assert.match(one.stdout, new RegExp(ids.new2 as string));
    assert.doesNotMatch(one.stdout, new RegExp(ids.new1 as string));
    assert.match(one.stderr, /run again with --yes to release this one$/m);
    for (const name of ['old1', 'old2', 'old3']) assert.equal(await releasedAt(name), null, name);

    const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'help desk', role: 'read-only' })).body.key as string;
    const refused = await ctl(['endpoint', 'release-reenrolled', '--yes'], readOnly);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /403 FORBIDDEN/);
    for (const name of ['old1', 'old2', 'old3']) assert.equal(await releasedAt(name), null, name);

    const done = await ctl(['endpoint', 'release-reenrolled', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^released: 2$/m);
    assert.match(done.stdout, /^freed: 2$/m);
    // Each release by name: the device, its old endpoint and the new one that holds its identifiers now.
    assert.match(done.stdout, /^hostname\s+released\s+nowHeldBy\s+stillPending$/m);
    for (const n of [1, 2])
      assert.match(done.stdout, new RegExp(`^wks-${n}\\s+${ids[`old${n}`]}\\s+${ids[`new${n}`]}\\s+-$`, 'm'), `wks-${n}`);
    assert.equal(typeof (await releasedAt('old1')), 'number');
    assert.equal(typeof (await releasedAt('old2')), 'number');
    assert.equal(await releasedAt('old3'), null);

    // --json: one document, the preview and (with --yes) what was released.
    const json = await ctl(['--json', 'endpoint', 'release-reenrolled', '--enrolled-after', '2020-01-01', '--yes']);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.candidateCount, 0);
    assert.equal(answer.skippedCount, 1);
    assert.equal(answer.skipped[0].reason, 'predecessor-still-reporting');
    assert.deepEqual(answer.release, { released: 0, freed: [], notReleased: [], releases: [] });

    // Nothing left to release: said in words, with the skipped one listed below and why.
    const none = await ctl(['endpoint', 'release-reenrolled']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(
      none.stdout,
      /^None of the re-enrolled devices can be released in bulk yet \(new endpoints enrolled at any time\)\. 1 was skipped, listed below with why\.$/m,
    );
    // The table cuts a long detail to fit, and says where the whole text is.
    assert.ok(answer.skipped[0].detail.length > 100, answer.skipped[0].detail);
    assert.match(none.stdout, /^\(a detail ending in … is cut to fit: --json prints it whole\)$/m);
    assert.match(none.stdout, new RegExp(`${ids.new3}.*predecessor-still-reporting`));
    assert.doesNotMatch(none.stdout, /^0 re-enrolled/m);
    assert.equal(none.stderr, '');
  });

  it('reads a window the same in every time zone: a date alone is midnight UTC, a date and time needs its zone', async () => {
    // Run in New York: 01:00 there would be 06:00 UTC, here it is neither: refused, saying how to fix it.
    const zoneless = await ctl(['endpoint', 'release-reenrolled', '--enrolled-after', '2026-12-01T01:00']);
    assert.equal(zoneless.code, 2, zoneless.stdout);
    assert.match(zoneless.stderr, /--enrolled-after 2026-12-01T01:00 has no time zone: add Z \(UTC\) or \+hh:mm/);
    assert.equal(zoneless.stdout, '');
    const before = await ctl(['endpoint', 'release-reenrolled', '--enrolled-before', '2026-12-01T01:00:00.5']);
    assert.equal(before.code, 2);
    assert.match(before.stderr, /--enrolled-before .* has no time zone/);

    const day = await ctl(['endpoint', 'release-reenrolled', '--enrolled-after', '2020-01-01']);
    assert.equal(day.code, 0, day.stderr);
    assert.match(day.stdout, /\(new endpoints enrolled after 2020-01-01T00:00:00Z\)/);
    const zoned = await ctl([
      'endpoint',
      'release-reenrolled',
      '--enrolled-after',
      '2020-01-01T05:30:00+05:30',
      '--enrolled-before',
      '2099-01-01T00:00Z',
    ]);
    assert.equal(zoned.code, 0, zoned.stderr);
    assert.match(zoned.stdout, /\(new endpoints enrolled after 2020-01-01T00:00:00Z and before 2099-01-01T00:00:00Z\)/);
  });
});
