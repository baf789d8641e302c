import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { forgetSummary } from '@devtrust/collector/cli/ctl-endpoint-forget';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/** `devtrustctl endpoint forget`, through the built binary, against a real collector and real agents. */
describe('devtrustctl endpoint forget', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const laptop = {
    platform: 'windows' as const,
    hostname: 'wks-9',
    serialNumber: 'CTL-FORGET-9',
    machineGuid: '6f1b0c1e-9a44-4d1b-8a61-0c0ffee00009',
  };
  const enroll = async (): Promise<string> => {
    const started = await startTestAgent(c.url, laptop);
    agents.push(started);
    return started.agent.status().endpointId as string;
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  it('names the endpoints left waiting on the forgotten one, not just "ok"', async () => {
    const holder = await enroll();
    const first = await enroll();
    const second = await enroll();

    const forgot = await ctl('endpoint', 'forget', holder);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.equal(
      forgot.stdout.trim(),
      `forgot ${holder} "wks-9"; 2 endpoints waited on it and are still pending (approve or deny each: devtrustctl endpoint approve|deny ID): ${first}, ${second}`,
    );

    // Nobody waited on a pending one: said so; --json answers the API's body.
    const alone = await ctl('endpoint', 'forget', second);
    assert.equal(alone.stdout.trim(), `forgot ${second} "wks-9"; no endpoint waited on it`);
    const json = await ctl('endpoint', 'forget', first, '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).forgotten, { id: first, hostname: 'wks-9' });

    // The administrator actions log says what each forget did, not the names of the fields.
    const log = await ctl('admin-log', '--resource-id', holder, '--action', 'forget');
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /deleted: 2 identifiers given up, 2 waiting on it left pending/);

    const again = await ctl('endpoint', 'forget', holder);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /404 NOT_FOUND/);
    assert.equal((await ctl('endpoint', 'forget')).code, 2);
  });

  it('refuses to forget a blocked device that holds its identifiers (a stolen laptop), until it is unblocked', async () => {
    const stolen = await startTestAgent(c.url, { ...laptop, serialNumber: 'CTL-FORGET-STOLEN', machineGuid: undefined });
    agents.push(stolen);
    const id = stolen.agent.status().endpointId as string;
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${id}/block`)).status, 200);
    const refused = await ctl('endpoint', 'forget', id);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /409 ENDPOINT_BLOCKED/);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${id}`)).status, 200);
    assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${id}/block`)).status, 200);
    assert.equal((await ctl('endpoint', 'forget', id)).code, 0);
  });

  it('asks before forgetting a denied endpoint: a clone kept out, whose trace the bulk release reads', async () => {
    const real = await startTestAgent(c.url, { ...laptop, serialNumber: 'CTL-FORGET-DENIED', machineGuid: undefined });
    const copy = await startTestAgent(c.url, { ...laptop, serialNumber: 'CTL-FORGET-DENIED', machineGuid: undefined });
    agents.push(real, copy);
    const id = copy.agent.status().endpointId as string;
    assert.equal((await ctl('endpoint', 'deny', id)).code, 0);
    const refused = await ctl('endpoint', 'forget', id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, new RegExp(`^devtrustctl: nothing done: ${id} is denied: .+clone-seen.+ run it again with --yes\\.`));
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${id}`)).status, 200);
    assert.equal((await ctl('endpoint', 'forget', id, '--yes')).code, 0);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${id}`)).status, 404);
  });

  it('names the first 20 of a long list and counts the rest; an older collector (204) gets one line', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `ep_${i}`);
    assert.equal(
      forgetSummary('ep_x', { forgotten: { id: 'ep_x', hostname: null }, stillPending: ids }),
      `forgot ep_x; 25 endpoints waited on it and are still pending (approve or deny each: devtrustctl endpoint approve|deny ID): ${ids.slice(0, 20).join(', ')} and 5 more (--json lists them all)`,
    );
    assert.equal(forgetSummary('ep_x', null), 'forgot ep_x');
  });
});
