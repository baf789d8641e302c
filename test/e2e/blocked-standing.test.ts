import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN } from '../support/collector.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

const BLOCKED = /an administrator blocked this endpoint/;

/**
 * Endpoints an administrator released, denied or blocked after a verdict let them in. The
 * endpoints listing (GET /admin/v1/endpoints, the console's list, `devtrustctl endpoints`) once
 * showed a released endpoint's last verdict "trusted · allow" with nothing beside it, and
 * devtrustctl no marker of the release; a denied endpoint's reasons said "an administrator
 * blocked this endpoint" beside "an administrator denied this endpoint", as if two actions.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`released, denied and blocked endpoints in the listing and their reasons (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let strict: TestApp;
    let open: TestApp;
    const agents: TestAgent[] = [];
    const ids: Record<string, string> = {};

    const enroll = async (name: string, serialNumber: string): Promise<TestAgent> => {
      const agent = await startTestAgent(c.url, { platform: 'linux', hostname: name, serialNumber });
      agents.push(agent);
      ids[name] = agent.agent.status().endpointId as string;
      return agent;
    };
    const signIn = async (app: TestApp, agent: TestAgent) => {
      const tx = await app.open('ivy');
      await agent.agent.attest(tx);
      return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
    };
    const post = async (name: string, action: string) =>
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids[name]}/${action}`)).status, 200, `${action} ${name}`);
    const listed = async (): Promise<Map<string, Record<string, any>>> => {
      const rows = (await c.admin('GET', '/admin/v1/endpoints?limit=50')).body.endpoints as Record<string, any>[];
      return new Map(rows.map((r) => [r.hostname as string, r]));
    };

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      await csvInventory(
        c,
        'serial_number,device_name,platform\nSER-RELEASED,released,linux\nSER-BLOCKED,blocked,linux\nSER-HELD,holder,linux\n',
      );
      strict = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Strict');
      open = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Open');
      for (const name of ['released', 'blocked']) {
        const v = await signIn(strict, await enroll(name, `SER-${name.toUpperCase()}`));
        assert.deepEqual([v.verdict, v.access], ['trusted', 'allow'], v.reasons.join('\n'));
      }
      await post('released', 'release');
      await post('blocked', 'block');
      await enroll('holder', 'SER-HELD');
      // A copy, let in as untrusted under allow-all while pending, then denied.
      const copy = await enroll('copy', 'SER-HELD');
      assert.equal((await signIn(open, copy)).access, 'allow');
      await post('copy', 'deny');
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it('a released endpoint reads as released: its last "allow" is marked as before the release, in the list and on its page', async () => {
      const rows = await listed();
      const released = rows.get('released') as Record<string, any>;
      assert.deepEqual([released.trusted, released.blocked, typeof released.releasedAt], [false, true, 'number']);
      assert.deepEqual([released.lastVerdict.verdict, released.lastVerdict.access], ['trusted', 'allow']);
      assert.equal(released.lastVerdictOutdated, 'released');
      assert.equal(rows.get('blocked')?.lastVerdictOutdated, 'blocked');
      assert.equal(rows.get('copy')?.lastVerdictOutdated, 'denied');
      assert.equal(rows.get('holder')?.lastVerdictOutdated, null);
      for (const name of ['released', 'blocked', 'copy', 'holder']) {
        const page = (await c.admin('GET', `/admin/v1/endpoints/${ids[name]}`)).body;
        for (const field of ['trusted', 'lastVerdictOutdated', 'matchReasons'])
          assert.deepEqual(page[field], rows.get(name)?.[field], `${name}: ${field}`);
      }
    });

    it('devtrustctl endpoints marks the released endpoint "released" where the others say whether they are blocked', async () => {
      const run = await runBin('devtrustctl', ['endpoints'], { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
      assert.equal(run.code, 0, run.stderr);
      const [head = '', ...lines] = run.stdout.trimEnd().split('\n');
      const at = head.indexOf('blocked');
      const cell = (id: string) => (lines.find((l) => l.startsWith(id)) ?? '').slice(at).split(/\s+/)[0];
      assert.equal(cell(ids.released as string), 'released', run.stdout);
      assert.equal(cell(ids.blocked as string), 'true', run.stdout);
      assert.equal(cell(ids.holder as string), 'false', run.stdout);
    });

    it('a denied endpoint says it was denied, and so blocked, once: no bare "blocked" beside it, in its page and its verdicts', async () => {
      const copy = (await c.admin('GET', `/admin/v1/endpoints/${ids.copy}`)).body;
      assert.equal(copy.matchReasons.length, 1, copy.matchReasons.join('\n'));
      assert.match(copy.matchReasons[0], /^untrusted: an administrator denied this endpoint, which reported serial number SERHELD /);
      assert.match(copy.matchReasons[0], /; denied, it is blocked: every sign-in from it is denied$/);
      const v = await signIn(strict, agents.find((a) => a.agent.status().endpointId === ids.copy) as TestAgent);
      assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
      assert.equal(v.reasons[0], 'denied: an administrator blocked this endpoint');
      assert.equal(v.reasons[1], copy.matchReasons[0]);
      assert.equal(v.reasons.filter((r) => /administrator (denied|blocked)/.test(r)).length, 2, v.reasons.join('\n'));
      assert.ok(!v.reasons.some((r) => r.startsWith('rule endpoint block')), v.reasons.join('\n'));

      // Released: the same, one reason; a plain block keeps its own.
      const released = (await c.admin('GET', `/admin/v1/endpoints/${ids.released}`)).body;
      assert.equal(released.matchReasons.length, 1, released.matchReasons.join('\n'));
      assert.match(
        released.matchReasons[0],
        /its device key is retired, and the endpoint is blocked for good: every sign-in from it is denied$/,
      );
      assert.doesNotMatch(released.matchReasons.join('\n'), BLOCKED);
      const blocked = (await c.admin('GET', `/admin/v1/endpoints/${ids.blocked}`)).body;
      assert.match(blocked.matchReasons[0], BLOCKED);
    });

    it('a blocked endpoint fails the trust rule in its sign-in\'s reasons (devtrustctl log --reference): never "device trusted (pass)"', async () => {
      const tx = await strict.open('bob');
      await (agents.find((a) => a.agent.status().endpointId === ids.blocked) as TestAgent).agent.attest(tx);
      const reference = ((await strict.read(tx)).body as { reference: string }).reference;
      const run = await runBin('devtrustctl', ['log', '--reference', reference, '--json'], {
        env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
      });
      assert.equal(run.code, 0, run.stderr);
      const [entry] = (JSON.parse(run.stdout) as { entries: { access: string; reasons: string[] }[] }).entries;
      const reasons = entry?.reasons ?? [];
      assert.equal(entry?.access, 'deny');
      assert.deepEqual(reasons.slice(0, 3), [
        'denied: an administrator blocked this endpoint',
        'rule endpoint block: an administrator blocked this endpoint (fail)',
        'rule trustedEndpoints=require-trusted: device not trusted: this endpoint is blocked (fail)',
      ]);
      assert.ok(!reasons.some((r) => r.includes('device trusted')), reasons.join('\n'));
    });
  });
}
