import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';

/**
 * An invented client ID costs the collector no database read, on the transaction API and on the
 * OIDC token endpoint, which anyone may call at any rate: reads are what tell a running sync to
 * give way to sign-ins (store/background-writes.ts), so an anonymous flood of them slowed every
 * sync seven to twelve times (review r6). Known applications still authenticate, and one created
 * after the set of client IDs was cached is known at once.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`invented client IDs on ${db.name}`, () => {
    let c: TestCollector;
    let dropDatabase: (() => Promise<void>) | null = null;
    beforeAll(async () => {
      let databaseUrl: string | null = null;
      if (db.name === 'postgres') ({ url: databaseUrl, drop: dropDatabase } = await freshPostgresDatabase());
      c = await startTestCollector({ databaseUrl });
    });
    afterAll(async () => {
      await c?.stop();
      await dropDatabase?.();
    });

    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const readTx = (authorization: string) => fetch(`${c.url}/api/v1/transactions/tx_x`, { headers: { authorization } });
    const token = (clientId: string) =>
      fetch(`${c.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'x',
          redirect_uri: 'https://app.example/cb',
          client_id: clientId,
          client_secret: 'x',
        }),
      });

    /** SQL statements the collector ran while `work` did. */
    async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      const listener = (done: { sql: string }) => seen.push(done.sql);
      const statements = statementsOf(c.store.knex.client);
      statements.on('done', listener);
      try {
        await work();
      } finally {
        statements.off('done', listener);
      }
      return seen;
    }

    async function createApp(name: string): Promise<{ clientId: string; clientSecret: string }> {
      const { status, body } = await c.admin('POST', '/admin/v1/applications', { name, redirectUris: ['https://app.example/cb'] });
      assert.equal(status, 201, JSON.stringify(body));
      return body;
    }

    it('answers invented client IDs without reading the database, and still knows real ones', async () => {
      const first = await createApp('Payroll');
      // Known, so the set of client IDs is cached now; and the OIDC provider has set itself up
      // (its signing keys, once, on the first OIDC request).
      assert.equal((await readTx(basic(first.clientId, first.clientSecret))).status, 404);
      assert.equal((await token('warm-up')).status, 401);
      const during = await statementsDuring(async () => {
        for (let i = 0; i < 20; i++) {
          const answer = await readTx(basic(`invented-${i}`, 'nope'));
          assert.ok(answer.status === 401 || answer.status === 429, String(answer.status));
          assert.equal((await token(`invented-token-${i}`)).status, 401);
        }
      });
      assert.deepEqual(during, [], 'no statement for an invented client ID');
      // Nor does a real client ID with a wrong secret, however often (its row is cached).
      const wrong = await statementsDuring(async () => {
        for (let i = 0; i < 10; i++) {
          assert.equal((await readTx(basic(first.clientId, `wrong-${i}`))).status, 401);
          assert.equal((await token(first.clientId)).status, 401);
        }
      });
      assert.deepEqual(wrong, [], 'no statement for a known client ID with a wrong secret');
      // An application created after the set was cached is known at once.
      const second = await createApp('Expenses');
      assert.equal((await readTx(basic(second.clientId, second.clientSecret))).status, 404);
      assert.equal((await readTx(basic(second.clientId, 'wrong'))).status, 401);
    });
  });
}
