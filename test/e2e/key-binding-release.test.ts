import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { csvInventory } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * An identifier set bound to one device key is never trusted for another key, even when the
 * holder's latest report misses it; only an administrator's release frees it, and the release
 * is logged with who did it. Real agents (each with its own Ed25519 key) on a real collector.
 */
const LAPTOP = {
  platform: 'macos' as const,
  hostname: 'alice-mbp',
  serialNumber: 'C02BOUND0001',
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E0001',
};

for (const database of DATABASES) {
  describeUnless(database.skip)(`device key binding and release (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];
    const logLines: Record<string, unknown>[] = [];

    const agent = async (identity: Record<string, unknown>): Promise<TestAgent> => {
      const started = await startTestAgent(c.url, identity as never);
      agents.push(started);
      return started;
    };
    const endpoint = async (a: TestAgent): Promise<any> =>
      (await c.admin('GET', `/admin/v1/endpoints/${a.agent.status().endpointId}`)).body;

    beforeAll(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      c = await collectorOn(database.name, { scheduler: false, log: pino({ level: 'info' }, sink) });
      await csvInventory(
        c,
        `serial_number,hardware_uuid,device_name,platform\n${LAPTOP.serialNumber},${LAPTOP.hardwareUuid},alice-mbp,macos\n`,
        {
          platforms: ['macos'],
        },
      );
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it("a serial copied to another key stays untrusted even after the holder's report missed it", async () => {
      const laptop = await agent(LAPTOP);
      assert.equal((await endpoint(laptop)).trusted, true);

      // One report without the serial (a probe that failed once): the serial stays bound to the laptop's key.
      laptop.setIdentity({ ...LAPTOP, serialNumber: undefined });
      await laptop.agent.reportNow();
      assert.equal((await endpoint(laptop)).identity.serialNumber, undefined);

      // A personal laptop with a new key reports the copied serial (and its own hardware UUID).
      const personal = await agent({
        platform: 'macos',
        hostname: 'home-mac',
        serialNumber: LAPTOP.serialNumber,
        hardwareUuid: '11111111-2222-3333-4444-555555555555',
      });
      const copied = await endpoint(personal);
      assert.equal(copied.approval, 'pending');
      assert.equal(copied.trusted, false);
      assert.deepEqual(copied.approvalClaims, [
        { kind: 'serialNumber', value: LAPTOP.serialNumber, heldBy: [laptop.agent.status().endpointId] },
      ]);

      // The real laptop reports its serial again and is trusted as before; the copy changes nothing.
      laptop.setIdentity(LAPTOP);
      await laptop.agent.reportNow();
      const real = await endpoint(laptop);
      assert.equal(real.trusted, true, JSON.stringify(real.matchReasons));
      assert.equal(real.approval, null);
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${copied.id}/deny`)).status, 200);
    });

    it('an administrator releases the re-imaged laptop’s old key: the new key holds the identifiers, the old one is retired, and it is logged', async () => {
      const old = await endpoint(agents[0] as TestAgent);
      // The laptop is re-imaged: a new agent install, a new key, the same hardware.
      const reimaged = await agent(LAPTOP);
      const waiting = await endpoint(reimaged);
      assert.equal(waiting.approval, 'pending');
      assert.equal(waiting.trusted, false);

      const keys = (await c.admin('GET', '/admin/v1/api-keys')).body.apiKeys as { id: string; name: string; role: string }[];
      const owner = keys.find((k) => k.role === 'owner') as { id: string; name: string };
      const released = await c.admin('POST', `/admin/v1/endpoints/${old.id}/release`);
      assert.equal(released.status, 200, JSON.stringify(released.body));
      assert.deepEqual(released.body.identifiers, [
        { kind: 'hardwareUuid', value: '4C4C4544004235108052B4C04F4E0001' },
        { kind: 'serialNumber', value: LAPTOP.serialNumber },
      ]);
      assert.deepEqual(released.body.freed, [reimaged.agent.status().endpointId]);
      assert.equal(released.body.endpoint.blocked, true);
      assert.equal(typeof released.body.endpoint.releasedAt, 'number');

      const now = await endpoint(reimaged);
      assert.equal(now.approval, 'approved');
      assert.equal(now.trusted, true, JSON.stringify(now.matchReasons));

      const line = logLines.find((l) => l.msg === 'endpoint identifiers released');
      assert.ok(line, 'the release is logged');
      assert.equal(line.endpointId, old.id);
      assert.equal(line.apiKeyId, owner.id);
      assert.equal(line.apiKeyName, owner.name);
      assert.deepEqual(line.freed, [now.id]);
      // And in the administrator actions log, in the release's own transaction.
      const logged = await c.admin('GET', `/admin/v1/admin-log?resourceType=endpoint&resourceId=${old.id}&action=release`);
      assert.equal(logged.body.entries.length, 1);
      assert.equal(logged.body.entries[0].actor.keyId, owner.id);
      assert.equal(logged.body.entries[0].before.releasedAt ?? null, null);
      assert.equal(typeof logged.body.entries[0].after.releasedAt, 'number');

      // The old key still runs somewhere: it reports, stays blocked, holds nothing and takes nothing back.
      await (agents[0] as TestAgent).agent.reportNow();
      const retired = await endpoint(agents[0] as TestAgent);
      assert.equal(retired.trusted, false);
      assert.equal((await endpoint(reimaged)).trusted, true);
      const unblock = await c.admin('DELETE', `/admin/v1/endpoints/${old.id}/block`);
      assert.equal(unblock.status, 409);
      assert.equal(unblock.body.error.code, 'ENDPOINT_RELEASED');
      const again = await c.admin('POST', `/admin/v1/endpoints/${old.id}/release`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'ENDPOINT_RELEASED');
      assert.equal((await c.admin('POST', '/admin/v1/endpoints/ep_nowhere/release')).status, 404);

      // A third key copying the identifiers now waits on the re-imaged laptop's key.
      const clone = await endpoint(await agent(LAPTOP));
      assert.equal(clone.approval, 'pending');
      assert.deepEqual(new Set(clone.approvalClaims.flatMap((claim: { heldBy: string[] }) => claim.heldBy)), new Set([now.id]));

      // Forgetting an endpoint also ends its bindings: it is logged the same way.
      assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${clone.id}`)).status, 200);
      const forgotten = logLines.find((l) => l.msg === 'endpoint forgotten');
      assert.deepEqual([forgotten?.endpointId, forgotten?.apiKeyId, forgotten?.apiKeyName], [clone.id, owner.id, owner.name]);
    });

    it('a claimant that still claims what another key holds stays pending; parallel releases release once', async () => {
      const a = await agent({ platform: 'macos', hostname: 'two-a', serialNumber: 'SPLIT-SERIAL-1' });
      const b = await agent({ platform: 'macos', hostname: 'two-b', hardwareUuid: '22222222-3333-4444-5555-666666666666' });
      const both = await agent({
        platform: 'macos',
        hostname: 'two-both',
        serialNumber: 'SPLIT-SERIAL-1',
        hardwareUuid: '22222222-3333-4444-5555-666666666666',
      });
      const [aId, bId, bothId] = [a, b, both].map((x) => x.agent.status().endpointId as string);
      assert.equal((await endpoint(both)).approval, 'pending');

      const answers = await Promise.all(Array.from({ length: 5 }, () => c.admin('POST', `/admin/v1/endpoints/${aId}/release`)));
      assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409, 409, 409, 409]);
      const released = answers.find((r) => r.status === 200)?.body;
      assert.deepEqual([released.freed, released.stillPending], [[], [bothId]]);
      const still = await endpoint(both);
      assert.equal(still.approval, 'pending');
      assert.deepEqual(still.approvalClaims, [{ kind: 'hardwareUuid', value: '22222222333344445555666666666666', heldBy: [bId] }]);
      assert.equal(logLines.filter((l) => l.msg === 'endpoint identifiers released' && l.endpointId === aId).length, 1);
    });

    it('a released endpoint that was waiting for approval is denied: approving it later binds nothing', async () => {
      const waiting = await endpoint(await agent(LAPTOP));
      assert.equal(waiting.approval, 'pending');
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${waiting.id}/release`)).status, 200);
      const approve = await c.admin('POST', `/admin/v1/endpoints/${waiting.id}/approve`);
      assert.equal(approve.status, 409);
      assert.equal(approve.body.error.code, 'NOT_PENDING_APPROVAL');
      const shown = await endpoint(agents[agents.length - 1] as TestAgent);
      assert.deepEqual([shown.approval, shown.blocked, shown.trusted], ['denied', true, false]);
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${'x'.repeat(1000)}/release`)).status, 404);
    });

    it('a read-only key may not release', async () => {
      const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'viewer', role: 'read-only' })).body.key as string;
      const target = (await endpoint(await agent({ platform: 'macos', hostname: 'ro-target', serialNumber: 'READ-ONLY-1' }))).id as string;
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${target}/release`, undefined, { token: readOnly })).status, 403);
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${target}`)).body.releasedAt, null);
    });
  });
}
