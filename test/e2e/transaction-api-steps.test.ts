import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { attestTxFromUrl } from '@devtrust/agent/main/protocol-url';
import { createdTransaction, decidedTransaction, transactionState } from '@devtrust/collector/verdict/answers';

/**
 * The steps docs/transaction-api.md gives an application that does not speak OIDC, through the
 * real transaction API and a real agent: open a transaction, the link the tray app takes
 * (devtrust://attest?tx=…, what it shows the user, then the attestation it makes), the answers
 * field by field while pending and once decided (times as ISO strings), and the loopback door
 * refusing the application's own page.
 */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('the transaction API as docs/transaction-api.md documents it', () => {
  let c: TestCollector;
  let app: TestApp;
  let agent: TestAgent;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    app = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Payroll', 'summary');
    agent = await startTestAgent(c.url, { platform: 'linux', hostname: 'box', serialNumber: 'TX-STEPS' }, { loopback: true });
  });
  afterAll(async () => {
    await agent?.stop();
    await c?.close();
  });

  it('open, pending, the devtrust:// link, attested, decided: each answer holds the documented fields in order', async () => {
    const auth = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
    const opened = await fetch(`${c.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'Bob@Example.com' }),
    });
    assert.equal(opened.status, 201);
    const created = (await opened.json()) as { id: string; expiresAt: string };
    assert.deepEqual(Object.keys(created), ['id', 'expiresAt']);
    // The schemas the OpenAPI document gives client generators hold the real answers (strict: no field more).
    createdTransaction.parse(created);
    assert.match(created.expiresAt, ISO);

    const pending = (await app.read(created.id)).body;
    assert.deepEqual(pending, { id: created.id, state: 'pending', endpointId: null, expiresAt: created.expiresAt });
    transactionState.parse(pending);

    // The link the application sends the user to is the one the tray takes.
    assert.equal(attestTxFromUrl(`devtrust://attest?tx=${created.id}`), created.id);
    // What the tray asks the collector, and shows the user, before attesting.
    const info = await agent.agent.describeTransaction(created.id);
    assert.deepEqual([info.application, info.username], ['Payroll', 'bob@example.com']);
    await agent.agent.attest(created.id);

    const decided = (await app.read(created.id)).body;
    assert.deepEqual(Object.keys(decided), Object.keys(decidedTransaction.shape));
    assert.deepEqual([decided.state, decided.verdict, decided.access, decided.reference], ['decided', 'untrusted', 'allow', created.id]);
    assert.equal(decided.assurance, null);
    assert.equal(decided.endpointId, agent.agent.status().endpointId);
    assert.equal(decided.expiresAt, created.expiresAt);
    assert.match(decided.decidedAt, ISO);
    assert.equal(transactionState.parse(decided).state, 'decided');
  });

  it("the loopback door refuses the application's own page: 403 ORIGIN_REFUSED", async () => {
    const tx = await app.open('carol');
    const port = agent.agent.status().loopbackPort as number;
    for (const origin of ['https://payroll.example', undefined]) {
      const refused = await fetch(`http://127.0.0.1:${port}/v1/attest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ transactionId: tx }),
      });
      assert.equal(refused.status, 403);
      assert.deepEqual(await refused.json(), { error: 'ORIGIN_REFUSED' });
    }
    assert.equal((await app.read(tx)).body.state, 'pending');
  });
});
