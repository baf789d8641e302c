import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import pino from 'pino';
import type { Store } from '@devtrust/collector/store/store';
import type { Endpoint } from '@devtrust/collector/domain/endpoint';
import { SettingsService } from '@devtrust/collector/services/settings';
import { VerdictService } from '@devtrust/collector/services/verdicts';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore, createTestApplication } from '../support/test-store.js';

/**
 * A decision reads the endpoint before it writes, outside the write's transaction (on SQLite a
 * read connection of its own): an admin's block or forget can commit in between. The verdict
 * reached on the endpoint as it was must not be stored after that, where the application
 * would read it: the decision is made again on the endpoint as it is.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`a decision racing an admin's block or forget (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let verdicts: VerdictService;
    let applicationId: string;

    async function endpoint(id: string): Promise<Endpoint> {
      await store.knex('endpoints').insert({
        id,
        public_key: `key-${id}`,
        enrolled_at: 1,
        last_seen_at: Date.now(),
        last_seq: 0,
        blocked: false,
        key_kind: 'software',
      });
      const report = { agentVersion: '1', collectedAt: new Date().toISOString(), identity: { platform: 'macos', hostname: id } };
      assert.equal(await store.endpoints.recordReport(id, 1, report as never, Date.now()), true);
      const read = await store.endpoints.get(id);
      assert.ok(read);
      return read;
    }

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'decision-races'));
      verdicts = new VerdictService(store, new SettingsService(store), null, pino({ level: 'silent' }));
      const app = await createTestApplication(store, 'races');
      applicationId = app.id;
    });
    afterAll(async () => {
      await close();
    });

    it('stores the verdict of the blocked endpoint when the block committed after the reads', async () => {
      const before = await endpoint('ep_blocked_meanwhile');
      const tx = await store.openTransaction(applicationId, 'someone@example.com', 60_000);
      // The admin's block commits after the decision read the endpoint, before it writes.
      assert.equal(await store.endpoints.setBlocked(before.id, true), true);
      const after = await store.endpoints.get(before.id);
      assert.ok(after?.blocked);
      const onBlocked = await verdicts.evaluate(after, tx.username, null);
      const onUnblocked = await verdicts.evaluate(before, tx.username, null);
      assert.notDeepEqual(onBlocked.reasons, onUnblocked.reasons, 'the block changes the verdict');

      const given = await verdicts.decideTransaction(tx, before);
      const stored = await store.transactions.get(tx.id);
      assert.equal(stored?.state, 'decided');
      assert.deepEqual(stored?.verdict?.reasons, onBlocked.reasons);
      assert.deepEqual(given?.reasons, onBlocked.reasons);
      const [logged] = await store.knex('auth_log').where({ transaction_id: tx.id });
      assert.deepEqual(JSON.parse(String(logged?.reasons)), onBlocked.reasons);
    });

    it('does not store a verdict for an endpoint forgotten after the reads', async () => {
      const before = await endpoint('ep_forgotten_meanwhile');
      const tx = await store.openTransaction(applicationId, 'someone@example.com', 60_000);
      assert.equal(await store.endpoints.forget(before.id), true);

      await verdicts.decideTransaction(tx, before);
      const stored = await store.transactions.get(tx.id);
      assert.equal(stored?.state, 'decided');
      // Decided as with no agent at all: nothing vouches for the device any more.
      assert.equal(stored?.endpointId, null);
      assert.deepEqual(stored?.verdict?.reasons, (await verdicts.evaluate(null, tx.username, null)).reasons);
    });

    it('decides an endpoint that stayed unblocked once, and a second decision loses', async () => {
      const ep = await endpoint('ep_unchanged');
      const tx = await store.openTransaction(applicationId, 'someone@example.com', 60_000);
      const first = await verdicts.decideTransaction(tx, ep);
      assert.ok(first);
      assert.equal((await store.transactions.get(tx.id))?.endpointId, ep.id);
      assert.equal(await verdicts.decideTransaction(tx, ep), null);
      assert.equal((await store.knex('auth_log').where({ transaction_id: tx.id })).length, 1);
    });
  });
}
