import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { LIMITS, type Report } from '@devtrust/shared/protocol';
import { identifiersOf } from '@devtrust/shared/identity';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { openTestStore } from '../support/test-store.js';

/**
 * Report values that look like what carries them (SQL placeholders, JSON text, quotes,
 * backslashes, escapes written out, surrogate pairs, the longest text a frame holds) come
 * back from the endpoint row and the history ring exactly as sent, whatever batch they were
 * stored in: the batched UPDATE and the history upsert carry them inside one JSON text.
 */
const HOSTILE = [
  `'`,
  `"`,
  `\\`,
  `\\"`,
  `\\u0000`,
  `\\ud800`,
  `{"a":1}`,
  `["x",null]`,
  `?`,
  `$1`,
  `?::jsonb`,
  `$1::bigint`,
  `'); drop table endpoints; --`,
  `null`,
  `true`,
  `1e400`,
  `-0`,
  `😀 \u2028\u2029 é`,
  `a\tb\nc`,
  'x'.repeat(60_000),
];

for (const db of DATABASES) {
  describeUnless(db.skip)(`hostile report values stored and read back as sent (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'report-values'));
    });
    afterAll(async () => {
      await close();
    });

    const report = (text: string, i: number): Report =>
      ({
        agentVersion: text.slice(0, 64),
        collectedAt: text.slice(0, 40),
        identity: { platform: 'windows', hostname: text.slice(0, 253), serialNumber: text.slice(0, 256) || `S${i}` },
        posture: { osBuild: text.slice(0, 200) },
        user: text.slice(0, 256),
      }) as Report;

    // On PostgreSQL a batch of usual reports sends the reports as one JSON array, each stored as
    // its text (batch-update.ts carriedJson), unless a value's JSON holds a `\ud8…` escape: then
    // they go escaped inside the rows' text. Both ways, with every other hostile value.
    for (const [way, values] of [
      ['with a value written like a surrogate escape', HOSTILE],
      ['without one', HOSTILE.filter((text) => !text.includes('\\u'))],
    ] as const) {
      it(`in one batch of many endpoints, shapes and reports of one endpoint (${way})`, async () => {
        await hostileBatches(values, way === 'without one' ? 'w' : 'v');
      });
    }

    async function hostileBatches(HOSTILE: readonly string[], prefix: string): Promise<void> {
      // The batched statements that also write the history (PostgreSQL's), and of those, which sent the reports' own array.
      const batched: boolean[] = [];
      const seen = (done: { sql: string }): void =>
        void (done.sql.includes('changed as') && batched.push(done.sql.includes('json_array_elements')));
      statementsOf(store.knex.client).on('done', seen);
      const ids = HOSTILE.map((_, i) => `ep_${prefix}${i}`);
      ids.push(`ep_many_${prefix}`);
      await store
        .knex('endpoints')
        .insert(ids.map((id) => ({ id, public_key: `pk-${id}`, enrolled_at: 1, last_seen_at: 1, last_seq: 0, blocked: false })));
      // Twice: the first batch binds the identifiers (one by one), the second repeats them (the batched UPDATE).
      for (const round of [0, 1]) {
        const items = HOSTILE.map((text, i) => ({ endpointId: ids[i]!, seq: round + 1, report: report(text, i), at: 1000 + round }));
        // One endpoint sends more than the ring holds in the same batch.
        const many = Array.from({ length: LIMITS.reportHistory + 3 }, (_, k) => ({
          endpointId: `ep_many_${prefix}`,
          seq: 100 * (round + 1) + k,
          report: report(HOSTILE[k % HOSTILE.length]!, k),
          at: 2000 + k,
        }));
        const stored = await store.endpoints.recordReports([...items, ...many]);
        assert.deepEqual(
          stored,
          [...items, ...many].map(() => true),
        );
      }
      const last = 200 + LIMITS.reportHistory + 2;
      statementsOf(store.knex.client).off('done', seen);
      // Which way the batched statements went: the reports' own array, except in a batch with such a value.
      assert.equal(batched.length > 0, db.name === 'postgres');
      if (prefix === 'w') assert.ok(batched.every(Boolean));
      else assert.ok(batched.length === 0 || batched.some((array) => !array));
      const ring = await store.endpoints.history(`ep_many_${prefix}`);
      assert.deepEqual(
        ring.map((h) => [h.seq, h.report]),
        Array.from({ length: LIMITS.reportHistory }, (_, k) => {
          const n = LIMITS.reportHistory + 2 - k;
          return [last - k, report(HOSTILE[n % HOSTILE.length]!, n)];
        }),
      );
      for (const [i, text] of HOSTILE.entries()) {
        const endpoint = await store.endpoints.get(ids[i]!);
        const history = await store.endpoints.history(ids[i]!);
        assert.deepEqual(endpoint?.report, report(text, i), `endpoint row, value ${i}`);
        assert.equal(endpoint?.hostname, text.slice(0, 253) || null);
        assert.equal(endpoint?.lastUser, text.slice(0, 256));
        assert.deepEqual(endpoint?.identifiers, identifiersOf(report(text, i).identity));
        assert.deepEqual(
          history.map((h) => [h.seq, h.report]),
          [
            [2, report(text, i)],
            [1, report(text, i)],
          ],
          `history, value ${i}`,
        );
        // Stored as the report's JSON text, byte for byte (not only a value that parses the same).
        const bodies = (await store.knex('report_history').where({ endpoint_id: ids[i] }).orderBy('seq').pluck('body')) as string[];
        assert.deepEqual(bodies, [JSON.stringify(report(text, i)), JSON.stringify(report(text, i))]);
      }
    }
  });
}
