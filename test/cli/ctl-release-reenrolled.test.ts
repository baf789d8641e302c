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
  const ctl = (args: string[], key = OWNER_TOKEN) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: key } });
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
    assert.match(preview.stdout, /^2 re-enrolled devices to release:$/m);
    for (const name of ['old1', 'old2', 'new1', 'new2']) assert.match(preview.stdout, new RegExp(ids[name] as string), name);
    assert.match(preview.stdout, /serialNumber CTLREENROLL1/);
    assert.match(preview.stdout, /^1 skipped .*predecessor-still-reporting 1$/m);
    assert.match(preview.stdout, new RegExp(`${ids.new3}.*predecessor-still-reporting`));
    assert.match(preview.stderr, /run again with --yes to release these 2/);
    const dry = await ctl(['endpoint', 'release-reenrolled', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    for (const name of ['old1', 'old2', 'old3']) assert.equal(await releasedAt(name), null, name);

    assert.equal((await ctl(['endpoint', 'release-reenrolled', '--yes', '--dry-run'])).code, 2);
    const badDate = await ctl(['endpoint', 'release-reenrolled', '--enrolled-after', 'last tuesday']);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /--enrolled-after must be an ISO date/);

    const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'help desk', role: 'read-only' })).body.key as string;
    const refused = await ctl(['endpoint', 'release-reenrolled', '--yes'], readOnly);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /403 FORBIDDEN/);
    for (const name of ['old1', 'old2', 'old3']) assert.equal(await releasedAt(name), null, name);

    const done = await ctl(['endpoint', 'release-reenrolled', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^released: 2$/m);
    assert.match(done.stdout, /^freed: 2$/m);
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
    assert.deepEqual(answer.release, { released: 0, freed: [], notReleased: [] });
  });
});
