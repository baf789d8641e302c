import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { LIMITS } from '@devtrust/shared/protocol';
import { Store } from '@devtrust/collector/store/store';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';

/**
 * Upgrading to the history ring: each endpoint keeps its newest 20 reports (whatever their
 * sequence numbers and however many rows the lazy trim had left), and the next report stored
 * overwrites the oldest of them, so the history stays the last 20 stored.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`report history after an upgrade (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('keeps each endpoint newest 20 reports and goes on from the oldest', async () => {
      const knex = store.knex;
      // Back to before the ring, the later migrations first (latest-report.test.ts tests those).
      for (const name of [
        '20261204100100_last_seen_hour',
        '20261204100000_latest_report_in_history',
        '20261203300000_report_history_slots',
      ])
        await knex.migrate.down({ migrationSource, name });
      const endpoint = (id: string, lastSeq: number) => ({
        id,
        public_key: `pk-${id}`,
        enrolled_at: 1,
        last_seen_at: 1,
        last_seq: lastSeq,
        blocked: false,
      });
      await knex('endpoints').insert([endpoint('ep_long', 600), endpoint('ep_short', 3), endpoint('ep_none', 0)]);
      // 27 rows left by the lazy trim, with the jump an outage makes (sends 29–499 failed).
      const longSeqs = [...Array.from({ length: 22 }, (_, i) => i + 7), ...Array.from({ length: 5 }, (_, i) => 596 + i)];
      const body = (seq: number) =>
        JSON.stringify({ agentVersion: 'old', collectedAt: '2026-11-01T00:00:00Z', identity: { hostname: `h${seq}` } });
      for (const seq of longSeqs) await knex('reports').insert({ endpoint_id: 'ep_long', received_at: seq, seq, body: body(seq) });
      for (const seq of [1, 2, 3]) await knex('reports').insert({ endpoint_id: 'ep_short', received_at: seq, seq, body: body(seq) });
      await knex.migrate.latest({ migrationSource });

      const seqs = async (id: string) => (await store.endpoints.history(id)).map((h) => h.seq);
      assert.deepEqual(await seqs('ep_long'), longSeqs.slice(-LIMITS.reportHistory).reverse());
      assert.deepEqual(await seqs('ep_short'), [3, 2, 1]);
      assert.deepEqual(await seqs('ep_none'), []);
      // The latest report is the newest kept, read from the ring's slot.
      const hostname = async (id: string) => (await store.endpoints.get(id))?.report?.identity.hostname ?? null;
      assert.deepEqual([await hostname('ep_long'), await hostname('ep_short'), await hostname('ep_none')], ['h600', 'h3', null]);

      // The next stored report replaces the oldest kept (seq 14), nothing newer.
      const report = { agentVersion: 'new', collectedAt: '2026-12-01T00:00:00Z', identity: { hostname: 'after' } };
      assert.deepEqual(await store.endpoints.recordReports([{ endpointId: 'ep_long', seq: 601, report, at: 601 }]), [true]);
      assert.deepEqual(await seqs('ep_long'), [601, ...longSeqs.slice(-LIMITS.reportHistory + 1).reverse()]);
      for (let seq = 4; seq <= 30; seq++) await store.endpoints.recordReport('ep_short', seq, report, seq);
      assert.deepEqual(
        await seqs('ep_short'),
        Array.from({ length: LIMITS.reportHistory }, (_, i) => 30 - i),
      );
      assert.deepEqual(
        (await knex('report_history').where({ endpoint_id: 'ep_short' }).count({ n: '*' })).map((r) => Number(r.n)),
        [LIMITS.reportHistory],
      );
    });
  });
}
