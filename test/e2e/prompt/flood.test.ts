import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { createTestApp, csvInventory, type TestApp } from '../../support/app.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../../support/collector-on.js';
import { startTestCollector, type TestCollector } from '../../support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../support/postgres.js';
import { promptOf, startUnsignedSignIn } from '../../support/unsigned-sign-in.js';
import { ALICE_LAPTOP, INVENTORY_CSV, freePort } from './harness.js';

const DAY = 24 * 3_600_000;

interface PromptAttempt {
  /** Where it stopped: the authorization endpoint, the prompt page, or a decided prompt. */
  stage: 'authorize' | 'page' | 'decided';
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * What a script does with nothing but an application's public client id: start a sign-in
 * under any name, open the prompt (a transaction) and poll it until the collector decides
 * without an agent. No browser: an attacker does not need one.
 */
async function promptAs(c: TestCollector, clientId: string, username: string): Promise<PromptAttempt> {
  const started = await startUnsignedSignIn(c.url, clientId, username);
  if (started.status !== 303) {
    return { stage: 'authorize', status: started.status, retryAfter: started.headers.get('retry-after'), text: await started.text() };
  }
  const { prompt, cookie } = promptOf(c.url, started);
  const page = await fetch(prompt, { headers: { cookie } });
  const text = await page.text();
  if (page.status !== 200) return { stage: 'page', status: page.status, retryAfter: page.headers.get('retry-after'), text };
  const state = await fetch(`${prompt.href}/state`, { headers: { cookie, accept: 'application/json' } });
  return { stage: 'decided', status: state.status, retryAfter: null, text: await state.text() };
}

async function database(name: 'sqlite' | 'postgres'): Promise<{ url: string | null; drop(): Promise<void> }> {
  if (name === 'sqlite') return { url: null, drop: async () => undefined };
  return freshPostgresDatabase();
}

for (const db of DATABASES)
  describeUnless(db.skip)(`floods without credentials meet limits; the auth log stays readable (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let agent: TestAgent;
    let app: TestApp;

    beforeAll(async () => {
      c = await collectorOn(db.name, {
        // No agent answers these prompts: the collector decides at the first poll.
        prompt: { loopbackPorts: [await freePort()], agentWaitMs: 0 },
        env: { DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: '20', DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '1000' },
      });
      await csvInventory(c, INVENTORY_CSV);
      agent = await startTestAgent(c.url, ALICE_LAPTOP);
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
    });
    afterAll(async () => {
      await agent?.stop();
      await c?.close();
    });

    it('a flood of prompts under made-up names gets 429s, and real sign-ins stay on the first page of the auth log', async () => {
      // One real sign-in: alice's agent attests her transaction.
      const real = await app.open('alice@example.com');
      await agent.agent.attest(real);

      const attempts: PromptAttempt[] = [];
      for (let i = 0; i < 40; i++) attempts.push(await promptAs(c, app.clientId, `victim-${i}@example.com`));
      const decided = attempts.filter((a) => a.stage === 'decided');
      const limited = attempts.filter((a) => a.status === 429);
      assert.ok(decided.length > 0 && decided.length < 20, `${decided.length} prompts got through`);
      assert.ok(limited.length >= 20, `${limited.length} attempts met a 429`);
      for (const refusal of limited) {
        assert.equal(refusal.stage, 'authorize');
        assert.ok(Number(refusal.retryAfter) >= 1, `Retry-After: ${refusal.retryAfter}`);
        assert.match(refusal.text, /Too many sign-ins right now/);
      }
      for (const prompt of decided) assert.equal(JSON.parse(prompt.text).state, 'decided');

      // The default view holds verdicts about users; the abandoned prompts are apart.
      const firstPage = (await c.admin('GET', '/admin/v1/auth-log?limit=10')).body.entries as any[];
      assert.equal(firstPage[0]?.transactionId, real);
      assert.equal(firstPage[0]?.outcome, 'attested');
      assert.ok(
        firstPage.every((e) => e.outcome !== 'abandoned' && !String(e.username).startsWith('victim-')),
        JSON.stringify(firstPage),
      );
      const abandoned = (await c.admin('GET', '/admin/v1/auth-log?outcome=abandoned&limit=1000')).body.entries as any[];
      assert.equal(abandoned.length, decided.length);
      assert.ok(abandoned.every((e) => e.outcome === 'abandoned' && e.endpointId === null && /^victim-/.test(e.username)));
      const all = (await c.admin('GET', '/admin/v1/auth-log?outcome=all&limit=1000')).body.entries as any[];
      assert.equal(all.length, decided.length + 1);
      assert.equal((await c.admin('GET', '/admin/v1/auth-log?outcome=whatever')).status, 400);
    });
  });

for (const db of DATABASES)
  describeUnless(db.skip)(`per-application limits on transactions and the prompt, per-agent limits on attestation (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let agent: TestAgent;

    beforeAll(async () => {
      c = await collectorOn(db.name, {
        prompt: { loopbackPorts: [await freePort()], agentWaitMs: 0 },
        env: {
          DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: '1000',
          DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '10',
          DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT: '3',
        },
      });
      agent = await startTestAgent(c.url, ALICE_LAPTOP);
    });
    afterAll(async () => {
      await agent?.stop();
      await c?.close();
    });

    it('an application flooding the transaction API gets 429 with Retry-After; another application is not held up', async () => {
      const flooder = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Flooder');
      const other = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Other');
      const auth = `Basic ${Buffer.from(`${flooder.clientId}:${flooder.clientSecret}`).toString('base64')}`;
      const statuses: number[] = [];
      let refusal: Response | null = null;
      for (let i = 0; i < 30; i++) {
        const response = await fetch(`${c.url}/api/v1/transactions`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ username: `user-${i}@example.com` }),
        });
        statuses.push(response.status);
        if (response.status === 429) refusal ??= response;
        else await response.arrayBuffer();
      }
      assert.equal(statuses.filter((s) => s === 201).length, 10);
      assert.equal(statuses.filter((s) => s === 429).length, 20);
      assert.ok(Number(refusal?.headers.get('retry-after')) >= 1);
      const body = (await refusal?.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'RATE_LIMITED');
      assert.match(body.error.message, /too many sign-ins for this application/);
      assert.match(await other.open('bob@example.com'), /^tx_/);
    });

    it('the prompt answers a page the user can read once the application’s budget is spent', async () => {
      const app = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Wiki');
      const attempts: PromptAttempt[] = [];
      for (let i = 0; i < 12; i++) attempts.push(await promptAs(c, app.clientId, `someone-${i}@example.com`));
      assert.equal(attempts.filter((a) => a.stage === 'decided').length, 10);
      const refused = attempts.filter((a) => a.status === 429);
      assert.equal(refused.length, 2);
      assert.ok(refused.every((a) => a.stage === 'page' && Number(a.retryAfter) >= 1));
      assert.match(refused[0]?.text ?? '', /Too many sign-ins right now/);
      assert.match(refused[0]?.text ?? '', /Wait \d+ seconds/);
    });

    it('an agent attesting too often is refused with RATE_LIMITED, and nothing is decided for it', async () => {
      const app = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Attested');
      const transactions = [];
      for (let i = 0; i < 4; i++) transactions.push(await app.open('alice@example.com'));
      for (const tx of transactions.slice(0, 3)) await agent.agent.attest(tx);
      await assert.rejects(agent.agent.attest(transactions[3] as string), (e: any) => e.code === 'RATE_LIMITED');
      assert.equal((await app.read(transactions[3] as string)).body.state, 'pending');
    });
  });

for (const db of DATABASES)
  describeUnless(db.skip)(`retention purges old auth-log entries and transactions (${db.name})`, () => {
    let dataDir: string;
    let pg: { url: string | null; drop(): Promise<void> };

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-retention-'));
      pg = await database(db.name);
    });
    afterAll(async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await pg?.drop();
    });

    it('rows past DEVTRUST_AUTH_LOG_RETENTION_DAYS and DEVTRUST_TRANSACTION_RETENTION_DAYS are gone after a start', async () => {
      const env = { DEVTRUST_AUTH_LOG_RETENTION_DAYS: '30', DEVTRUST_TRANSACTION_RETENTION_DAYS: '7' };
      let c = await startTestCollector({ dataDir, databaseUrl: pg.url, env });
      const app = await createTestApp(c, { trustedEndpoints: 'allow-all' });
      const recentTx = await app.open('alice@example.com');
      // Rows from the past, as months of use would have left them.
      const now = Date.now();
      const knex = c.store.knex;
      const entry = (username: string, at: number) => ({
        at,
        username,
        application_id: app.id,
        verdict: 'trusted',
        access: 'allow',
        reasons: '[]',
        outcome: 'attested',
      });
      await knex('auth_log').insert([entry('old@example.com', now - 40 * DAY), entry('recent@example.com', now - 20 * DAY)]);
      await knex('transactions').insert({
        id: 'tx_old-one',
        application_id: app.id,
        username: 'old@example.com',
        created_at: now - 9 * DAY,
        expires_at: now - 9 * DAY + 120_000,
        state: 'pending',
      });
      await c.stop({ keepData: true });

      c = await startTestCollector({ dataDir, databaseUrl: pg.url, env });
      try {
        const users = ((await c.admin('GET', '/admin/v1/auth-log?outcome=all')).body.entries as any[]).map((e) => e.username);
        assert.deepEqual(users, ['recent@example.com']);
        // The app helper knows the first collector's URL: read through the new one.
        const auth = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
        const fresh = await fetch(`${c.url}/api/v1/transactions/${recentTx}`, { headers: { authorization: auth } });
        assert.equal(fresh.status, 200);
        const old = await fetch(`${c.url}/api/v1/transactions/tx_old-one`, { headers: { authorization: auth } });
        assert.equal(old.status, 404);
      } finally {
        await c.stop({ keepData: true });
      }
    });

    it('a retention setting that is not a number of days stops the start with the variable named', async () => {
      await assert.rejects(
        startTestCollector({ dataDir, databaseUrl: pg.url, env: { DEVTRUST_AUTH_LOG_RETENTION_DAYS: '0' } }),
        /DEVTRUST_AUTH_LOG_RETENTION_DAYS/,
      );
    });
  });
