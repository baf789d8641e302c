import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../support/skip.js';
import { createTestApp, csvInventory, wrapApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { POSTGRES_SKIP, freshPostgresDatabase } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { newSessionKeyPair, sessionMacKey } from '@devtrust/shared/crypto';

describeUnless(POSTGRES_SKIP)('two collectors sharing one PostgreSQL database', () => {
  let a: TestCollector;
  let b: TestCollector;
  let agent: TestAgent;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const pg = await freshPostgresDatabase();
    drop = pg.drop;
    // Both nodes must seal secrets with the same master key.
    const env = { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
    a = await startTestCollector({ databaseUrl: pg.url, env });
    b = await startTestCollector({ databaseUrl: pg.url, env });
  });
  afterAll(async () => {
    await agent?.stop();
    await a.stop();
    await b.stop();
    await drop();
  });

  it('an agent on one node attests a transaction opened and read on the other', async () => {
    await csvInventory(a, 'serial_number\nNODE-SHARED-1\n');
    const appOnA = await createTestApp(a, { trustedEndpoints: 'require-trusted' });
    const appOnB = wrapApp(b, appOnA);
    agent = await startTestAgent(a.url, { platform: 'linux', serialNumber: 'NODE-SHARED-1' });
    const tx = await appOnB.open('frank');
    await agent.agent.attest(tx);
    const result = (await appOnB.read(tx)).body;
    assert.deepEqual([result.state, result.verdict, result.access], ['decided', 'trusted', 'allow']);
    const log = (await b.admin('GET', '/admin/v1/auth-log')).body.entries;
    assert.equal(log[0].transactionId, tx);
  });

  it('a CSV upload on one node is what the other node matches against', async () => {
    const id = (await b.admin('GET', '/admin/v1/integrations')).body.integrations[0].id;
    const up = await b.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'serial_number\nNODE-SHARED-2\n', {
      contentType: 'text/csv',
    });
    assert.equal(up.status, 200);
    assert.equal((await a.admin('GET', `/admin/v1/integrations/${id}/identifiers/NODE-SHARED-2`)).body.found, true);
    assert.equal((await a.admin('GET', `/admin/v1/integrations/${id}/identifiers/NODE-SHARED-1`)).body.found, false);
  });

  it('a policy or activation change on one node is what the other node decides by at once', async () => {
    // Node A decides (and caches the policy, integrations and application); node B changes them.
    const id = (await b.admin('GET', '/admin/v1/integrations')).body.integrations[0].id;
    await b.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'serial_number\nNODE-SHARED-1\n', { contentType: 'text/csv' });
    assert.equal((await b.admin('PUT', '/admin/v1/policy', { trustedEndpoints: 'require-trusted' })).status, 200);
    const app = await createTestApp(a, {}, 'Inherits the global policy');
    const decide = async (): Promise<string> => {
      const tx = await app.open('frank');
      await agent.agent.attest(tx);
      const body = (await app.read(tx)).body;
      return `${body.verdict}/${body.access}`;
    };
    assert.equal(await decide(), 'trusted/allow');
    assert.equal(await decide(), 'trusted/allow');
    // The notification reaches A within milliseconds; decisions are retried for up to 5 s.
    const until = async (want: string): Promise<string> => {
      let got = await decide();
      for (let i = 0; i < 50 && got !== want; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        got = await decide();
      }
      return got;
    };
    assert.equal((await b.admin('PUT', `/admin/v1/integrations/${id}/activation`, { mode: 'disabled' })).status, 200);
    assert.equal(await until('untrusted/deny'), 'untrusted/deny');
    assert.equal((await b.admin('PUT', '/admin/v1/policy', { trustedEndpoints: 'allow-all' })).status, 200);
    assert.equal(await until('untrusted/allow'), 'untrusted/allow');
    assert.equal((await b.admin('PUT', `/admin/v1/integrations/${id}/activation`, { mode: 'all-users' })).status, 200);
    assert.equal(await until('trusted/allow'), 'trusted/allow');
  });

  it("a report MAC'd for a session on one node is refused on the other, even with the same offer", async () => {
    const first = await RawChannel.open(a.url);
    const { endpointId, keys } = await first.enroll(ENROLLMENT_KEY);
    first.close();
    const offer = newSessionKeyPair();
    const authenticate = async (node: TestCollector) => {
      const ch = await RawChannel.open(node.url);
      ch.endpointId = endpointId;
      ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: offer.publicKey }, keys));
      const authenticated = await ch.next((m) => m.type === 'authenticated');
      const context = { nonce: ch.nonce, endpointId, agentKey: offer.publicKey, collectorKey: authenticated.sessionKey as string };
      return { ch, lastSeq: authenticated.lastSeq as number, macKey: sessionMacKey(offer.privateKey, authenticated.sessionKey, context) };
    };
    const onA = await authenticate(a);
    const onB = await authenticate(b);
    const body = {
      type: 'report' as const,
      seq: onA.lastSeq + 1,
      report: {
        agentVersion: 'test',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'linux' as const, serialNumber: 'NODE-MAC' },
      },
    };
    // Made for A (A's nonce and key), sent to B; and made with A's key over B's nonce.
    onB.ch.send(onA.ch.macd(body, onA.macKey));
    assert.equal((await onB.ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    const again = await authenticate(b);
    again.ch.send(again.ch.macd(body, onA.macKey));
    assert.equal((await again.ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    // On A it is the session's own MAC: stored once, and not again on B's next session.
    onA.ch.send(onA.ch.macd(body, onA.macKey));
    assert.equal((await onA.ch.next((m) => m.type === 'ack')).seq, body.seq);
    const last = await authenticate(b);
    last.ch.send(last.ch.macd(body, last.macKey));
    assert.equal((await last.ch.next((m) => m.type === 'error')).code, 'REPLAYED');
    const history = (await b.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.history as { seq: number }[];
    assert.deepEqual(
      history.map((h) => h.seq),
      [body.seq],
    );
    onA.ch.close();
  });

  it("a client secret rotated on one node stops working on the other, which keeps applications' credentials cached", async () => {
    const app = await createTestApp(a, { trustedEndpoints: 'allow-all' }, 'Rotated across nodes');
    // Node A authenticates the application (and caches it) before node B rotates its secret.
    assert.ok(await app.open('grace'));
    assert.ok(await app.open('grace'));
    const rotated = await b.admin('POST', `/admin/v1/applications/${app.id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    const opens = async (secret: string): Promise<boolean> =>
      wrapApp(a, { ...app, clientSecret: secret })
        .open('grace')
        .then(
          () => true,
          () => false,
        );
    // The notification reaches A within milliseconds; checked for up to 5 s.
    let old = await opens(app.clientSecret);
    for (let i = 0; i < 50 && old; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      old = await opens(app.clientSecret);
    }
    assert.equal(old, false);
    assert.equal(await opens(rotated.body.clientSecret as string), true);
  });
});
