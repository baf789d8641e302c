import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { E2E_ON_POSTGRES_SKIP, startTestCollector, type TestCollector } from '../support/collector.js';
import { itUnless } from '../support/skip.js';

describe('duplicates, placeholders and forgotten endpoints', () => {
  let c: TestCollector;
  let app: TestApp;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    c = await startTestCollector();
    await csvInventory(
      c,
      [
        'serial_number,device_name',
        'CLONED-IMAGE-1,golden',
        'TWICE-1,first',
        'TWICE-1,second',
        'Default string,whitebox',
        'SOLO-1,solo',
      ].join('\n'),
    );
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  const attest = async (agent: TestAgent, user = 'gina') => {
    const tx = await app.open(user);
    await agent.agent.attest(tx);
    return (await app.read(tx)).body;
  };

  itUnless(E2E_ON_POSTGRES_SKIP)('keeps the database owner-only', () => {
    assert.equal(statSync(path.join(c.dataDir, 'devtrust.sqlite')).mode & 0o777, 0o600);
  });

  it('an identifier two enrolled (and approved) endpoints report is flagged and trusts neither', async () => {
    const one = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'CLONED-IMAGE-1', hostname: 'clone-a' });
    agents.push(one);
    assert.equal((await attest(one)).verdict, 'trusted');
    const two = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'cloned-image-1', hostname: 'clone-b' });
    agents.push(two);
    // The newcomer waits for approval (docs/enrollment-and-posture.md); approved, both count.
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${two.agent.status().endpointId}/approve`)).status, 200);
    for (const agent of [one, two]) {
      const result = await attest(agent);
      assert.deepEqual([result.verdict, result.access], ['untrusted', 'deny']);
      assert.match(result.reasons.join('\n'), /serial number CLONEDIMAGE1 is reported by 2 enrolled endpoints/);
    }
  });

  it('an identifier two records of one inventory hold is never trusted', async () => {
    const agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'TWICE-1' });
    agents.push(agent);
    const result = await attest(agent);
    assert.equal(result.verdict, 'untrusted');
    assert.match(result.reasons.join('\n'), /held by 2 records of "Corporate inventory"/);
  });

  it('findings list duplicates and placeholders', async () => {
    const placeholderAgent = await startTestAgent(c.url, {
      platform: 'linux',
      serialNumber: 'System Serial Number',
      hostname: 'whitebox-pc',
    });
    agents.push(placeholderAgent);
    const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
    const types = findings.map((f: { type: string }) => f.type);
    for (const expected of [
      'duplicate-endpoint-identifier',
      'duplicate-inventory-identifier',
      'placeholder-inventory-identifier',
      'placeholder-endpoint-identifier',
    ]) {
      assert.ok(types.includes(expected), `missing ${expected} in ${types.join(', ')}`);
    }
    const dupe = findings.find((f: { type: string }) => f.type === 'duplicate-endpoint-identifier');
    assert.equal(dupe.value, 'CLONEDIMAGE1');
    assert.equal(dupe.endpointIds.length, 2);
  });

  it('a forgotten endpoint is disconnected and must enroll again, under a new id', async () => {
    const agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'SOLO-1' });
    agents.push(agent);
    const first = agent.agent.status().endpointId as string;
    assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${first}`)).status, 200);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${first}`)).status, 404);
    // The agent still holds the enrollment key, so it enrolls afresh with a new device key.
    const deadline = Date.now() + 15_000;
    while (agent.agent.status().endpointId === first || agent.agent.status().link !== 'connected') {
      if (Date.now() > deadline) assert.fail('the agent did not enroll again');
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = agent.agent.status().endpointId as string;
    assert.notEqual(second, first);
    assert.equal((await attest(agent)).verdict, 'trusted');
  });
});
