import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { csvInventory } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

describe('findings name identifier kinds in domain terms', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
  });

  it('a value several inventory records hold is reported by its kind, as endpoint duplicates are, never by a column name', async () => {
    const integrationId = await csvInventory(c, 'serial_number,hardware_uuid,device_name\nDUPE-1,,one\nDUPE-1,,two\n');
    const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
    const dupe = findings.find((f: { type: string }) => f.type === 'duplicate-inventory-identifier');
    assert.ok(dupe, JSON.stringify(findings));
    assert.equal(dupe.integrationId, integrationId);
    assert.equal(dupe.kind, 'serialNumber');
    assert.equal(dupe.value, 'DUPE1', 'normalised as stored');
    assert.equal(dupe.count, 2);
    assert.doesNotMatch(dupe.message, /serial_number/);
  });
});

describe('the pending-approval finding says what to do', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await c.stop();
  });

  it('release the old endpoint for the same device re-imaged, approve only a different device, deny otherwise', async () => {
    const laptop = { platform: 'windows' as const, hostname: 'wks-reimaged', serialNumber: 'FINDING-REIMAGED-1' };
    for (let i = 0; i < 2; i += 1) agents.push(await startTestAgent(c.url, laptop));
    const [holder, pending] = agents.map((a) => a.agent.status().endpointId as string);
    const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
    const finding = findings.find(
      (f: { type: string; endpointId?: string }) => f.type === 'endpoint-pending-approval' && f.endpointId === pending,
    );
    assert.ok(finding, JSON.stringify(findings));
    assert.equal(
      finding.message,
      `${pending} "wks-reimaged" awaits approval: it reports serial number FINDINGREIMAGED1 (held by ${holder}). ` +
        `If it is the same device re-imaged or with its agent reinstalled, release the old endpoint: devtrustctl endpoint release ${holder}, or "Release ${holder}" on this endpoint's console page. ` +
        "If it is a copy of that device's disk image (the device still reports), give it identifiers of its own and approve it, or deny it. " +
        'Approve it only if it is a different device that legitimately shares the identifier; deny it otherwise',
    );
  });

  it('says deny when the endpoint it waits on is blocked (a stolen device?), and approve or deny when it was forgotten', async () => {
    const stolen = { platform: 'windows' as const, hostname: 'wks-stolen', serialNumber: 'FINDING-STOLEN-1' };
    const owner = await startTestAgent(c.url, stolen);
    agents.push(owner);
    const ownerId = owner.agent.status().endpointId as string;
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ownerId}/block`)).status, 200);
    const thief = await startTestAgent(c.url, stolen);
    agents.push(thief);
    const thiefId = thief.agent.status().endpointId as string;
    const gone = { platform: 'windows' as const, hostname: 'wks-gone', serialNumber: 'FINDING-GONE-1' };
    const first = await startTestAgent(c.url, gone);
    const second = await startTestAgent(c.url, gone);
    agents.push(second);
    const firstId = first.agent.status().endpointId as string;
    const secondId = second.agent.status().endpointId as string;
    // Stopped first: a running agent whose endpoint is forgotten enrolls again into its data
    // directory, which its stop then races to remove (ENOTEMPTY in a full run).
    await first.stop();
    assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${firstId}`)).status, 200);

    const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
    const messageOf = (id: string): string =>
      findings.find((f: { type: string; endpointId?: string }) => f.type === 'endpoint-pending-approval' && f.endpointId === id)?.message ??
      '';
    assert.match(
      messageOf(thiefId),
      new RegExp(`${ownerId} is blocked \\(a stolen device\\?\\): deny it unless you know the device was recovered`),
    );
    assert.doesNotMatch(messageOf(thiefId), /endpoint release/);
    assert.match(messageOf(secondId), new RegExp(`\\. The endpoint it waited on was forgotten \\(${firstId}\\): approve it`));
    assert.doesNotMatch(messageOf(secondId), /endpoint release/);

    // The forgotten device enrolls again under a new key, which binds the values: the advice is
    // about that key now (approving the copy would make it a duplicate), not "approve it"; and as
    // that key reports after this endpoint enrolled, it is the device in use: never "release it".
    const again = await startTestAgent(c.url, gone);
    agents.push(again);
    const againId = again.agent.status().endpointId as string;
    const after = (await c.admin('GET', '/admin/v1/findings')).body.findings as { type: string; endpointId?: string; message: string }[];
    const now = after.find((f) => f.type === 'endpoint-pending-approval' && f.endpointId === secondId)?.message ?? '';
    assert.match(
      now,
      new RegExp(
        `\\. The endpoint it waited on was forgotten \\(${firstId}\\), and ${againId} holds what it reports now\\. ${againId} has reported since this endpoint enrolled: it may be a copy of that device's disk image, and the device still in use\\. .+ Do not release ${againId}: that retires the real device's key for good`,
      ),
    );
    assert.doesNotMatch(now, /devtrustctl endpoint release/);
    assert.doesNotMatch(now, /approve it if it is that device enrolled again/);
  });
});
