import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { csvInventory } from '../support/app.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * `devtrustctl endpoints` shows who waits for approval, and `endpoint approve` / `endpoint deny`
 * decide (docs/enrollment-and-posture.md), through the built binary against a real collector.
 */
describe('devtrustctl endpoint approve / deny', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const laptop = {
    platform: 'windows' as const,
    hostname: 'wks-approve',
    serialNumber: 'CTL-APPROVE-1',
    machineGuid: '6f1b0c1e-9a44-4d1b-8a61-0c0ffee00a01',
  };
  /** The table's cell under `column` on the row of endpoint `id`. */
  const cellOf = (table: string, id: string, column: string): string | undefined => {
    const [header, ...rows] = table.trimEnd().split('\n');
    const names = (header ?? '').split(/\s{2,}/);
    const row = rows.find((r) => r.startsWith(`${id} `));
    return row?.split(/\s{2,}/)[names.indexOf(column)];
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, `serial_number,device_name,platform\n${laptop.serialNumber},wks-approve,windows\n`, { platforms: ['windows'] });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  it('lists the pending endpoint as pending; approve makes its claims count; deny blocks it; not pending is exit 1', async () => {
    for (let i = 0; i < 3; i += 1) agents.push(await startTestAgent(c.url, laptop));
    const [holder, clone, other] = agents.map((a) => a.agent.status().endpointId as string);
    assert.ok(holder && clone && other);

    const listed = await ctl('endpoints');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.split('\n')[0] ?? '', /\bapproval\b/);
    assert.equal(cellOf(listed.stdout, clone, 'approval'), 'pending', listed.stdout);
    assert.equal(cellOf(listed.stdout, other, 'approval'), 'pending', listed.stdout);
    assert.notEqual(cellOf(listed.stdout, holder, 'approval'), 'pending', listed.stdout);
    // What each pending endpoint waits on, in the list itself: the holder and the identifier kinds.
    const pendingOnly = await ctl('endpoints', '--approval', 'pending');
    assert.equal(pendingOnly.code, 0, pendingOnly.stderr);
    assert.match(pendingOnly.stdout.split('\n')[0] ?? '', /\bwaitsOn$/);
    // The holder's agent is connected: in use, whenever it last reported.
    for (const id of [clone, other])
      assert.equal(
        cellOf(pendingOnly.stdout, id, 'waitsOn'),
        `serial number, MachineGuid held by ${holder} "wks-approve" (still reporting)`,
        pendingOnly.stdout,
      );
    assert.equal(cellOf(listed.stdout, holder, 'waitsOn'), '-', listed.stdout);
    // --json stays the API's answer.
    const json = JSON.parse((await ctl('--json', 'endpoints')).stdout) as { endpoints: { id: string; approval: unknown }[] };
    assert.equal(json.endpoints.find((e) => e.id === clone)?.approval, 'pending');

    const approved = await ctl('endpoint', 'approve', clone);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approval: approved$/m);
    // The holder is neither blocked nor released: approving made them duplicates, so say what was likely meant.
    assert.match(
      approved.stderr,
      new RegExp(
        `^devtrustctl: warning: ${holder} holds serialNumber CTLAPPROVE1, machineGuid \\S+ and is neither blocked nor released: while both report it, neither is trusted through it\\. If ${clone} is the same device re-imaged or with its agent reinstalled, release the old endpoint: devtrustctl endpoint release ${holder}\\. ` +
          `If ${clone} is a copy of ${holder}'s disk image \\(${holder} still reports\\), do not release ${holder}: give ${clone} identifiers of its own ` +
          `\\(a new MachineGuid; for a virtual machine a new serial number and hardware UUID too\\); once it reports them the two are no longer duplicates\\. ` +
          `Or block ${clone}: devtrustctl endpoint block ${clone}$`,
        'm',
      ),
    );
    assert.equal(approved.stderr.trimEnd().split('\n').length, 1, approved.stderr);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${clone}`)).body.approval, 'approved');

    const denied = await ctl('endpoint', 'deny', other);
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(denied.stderr, '');
    assert.match(denied.stdout, /^approval: denied$/m);
    const deniedEndpoint = (await c.admin('GET', `/admin/v1/endpoints/${other}`)).body;
    assert.equal(deniedEndpoint.approval, 'denied');
    assert.equal(deniedEndpoint.blocked, true);

    // A holder blocked (a stolen laptop, say) is trusted through nothing: approving trusts the new
    // key through its identifiers, which may be the thief's reinstall. Asked first; with --yes, no
    // duplicate to warn of.
    const spare = { ...laptop, hostname: 'wks-spare', serialNumber: 'CTL-APPROVE-2', machineGuid: '6f1b0c1e-9a44-4d1b-8a61-0c0ffee00a02' };
    for (let i = 0; i < 2; i += 1) agents.push(await startTestAgent(c.url, spare));
    const [blockedHolder, waiting] = agents.slice(3).map((a) => a.agent.status().endpointId as string);
    assert.equal((await ctl('endpoint', 'block', blockedHolder as string)).code, 0);
    const asked = await ctl('endpoint', 'approve', waiting as string);
    assert.equal(asked.code, 1, asked.stdout);
    assert.match(asked.stderr, /is blocked: approving this endpoint trusts it through them/);
    const quiet = await ctl('endpoint', 'approve', waiting as string, '--yes');
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');

    const again = await ctl('endpoint', 'approve', other);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trimEnd().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /409 NOT_PENDING_APPROVAL/);
    assert.equal((await ctl('endpoint', 'deny')).code, 2);
    assert.equal((await ctl('endpoint', 'approve', 'ep_nope')).code, 1);
  });
});
