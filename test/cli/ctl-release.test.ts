import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { csvInventory } from '../support/app.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/** `devtrustctl endpoint release`, through the built binary, against a real collector and real agents. */
describe('devtrustctl endpoint release', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const laptop = {
    platform: 'windows' as const,
    hostname: 'wks-7',
    serialNumber: 'CTL-RELEASE-7',
    machineGuid: '6f1b0c1e-9a44-4d1b-8a61-0c0ffee00007',
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, `serial_number,device_name,platform\n${laptop.serialNumber},wks-7,windows\n`, { platforms: ['windows'] });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  it('releases the old key: prints who holds the identifiers now; a second release is one line and exit 1', async () => {
    const old = await startTestAgent(c.url, laptop);
    const oldId = old.agent.status().endpointId as string;
    // Re-imaged: the old key's agent went with the old disk (a connected one is asked about).
    await old.stop();
    const reimaged = await startTestAgent(c.url, laptop);
    agents.push(reimaged);
    const newId = reimaged.agent.status().endpointId as string;

    const released = await ctl('endpoint', 'release', oldId);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, new RegExp(`^endpointId: ${oldId}$`, 'm'));
    assert.match(released.stdout, new RegExp(`^freed: ${newId}$`, 'm'));
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${newId}`)).body.trusted, true);

    const listed = await ctl('endpoints');
    assert.match(listed.stdout.split('\n')[0] ?? '', /keyKind/);

    const again = await ctl('endpoint', 'release', oldId);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trimEnd().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /ENDPOINT_RELEASED|released/);
    assert.equal((await ctl('endpoint', 'release')).code, 2);
  });
});
