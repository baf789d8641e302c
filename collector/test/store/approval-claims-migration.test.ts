import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { pendingWaitingOn } from '@devtrust/collector/store/repos/approval-claims';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';

/**
 * Upgrading a collector whose endpoints already carry approval claims (written before the
 * index existed): the migration fills approval_claim_holders from them, a batch at a time, so
 * a release after the upgrade finds every endpoint that waits on it.
 */
const MIGRATION = '20261206100000_approval_claim_holders';
/** More than one batch of the migration's (1,000 endpoints). */
const CLONES = 1_205;

const claim = (kind: string, value: string, heldBy: string[]) => ({ kind, value, heldBy });

for (const db of DATABASES) {
  describeUnless(db.skip)(`the approval claims' index after an upgrade (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'claims-migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('indexes every holder the stored claims name, for pending, denied and approved endpoints alike', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: MIGRATION });
      const row = (id: string, enrolledAt: number, approval: string | null, claims: string | null) => ({
        id,
        public_key: `pk-${id}`,
        enrolled_at: enrolledAt,
        last_seen_at: enrolledAt,
        last_seen_hour: 0,
        last_seq: 1,
        blocked: approval === 'denied',
        approval,
        approval_claims: claims,
      });
      const holders = Array.from({ length: 5 }, (_, i) => row(`ep_holder_${i}`, 1_000 + i, null, null));
      const clones = Array.from({ length: CLONES }, (_, i) =>
        row(
          `ep_clone_${String(i).padStart(5, '0')}`,
          10_000 + i,
          i % 3 === 0 ? 'denied' : 'pending',
          JSON.stringify([claim('serialNumber', `S${i}`, [`ep_holder_${i % 5}`])]),
        ),
      );
      const special = [
        // Two claims on two holders, one of them twice: each holder once.
        row(
          'ep_two',
          50_000,
          'pending',
          JSON.stringify([claim('serialNumber', 'S-TWO', ['ep_holder_1', 'ep_holder_2']), claim('hardwareUuid', 'U-TWO', ['ep_holder_2'])]),
        ),
        // Approved on its claims: they stay, and so do their rows.
        row('ep_approved', 50_001, 'approved', JSON.stringify([claim('serialNumber', 'S-APP', ['ep_holder_3'])])),
        // Freed by a release (claims emptied), never claimed, and a holder forgotten since.
        row('ep_freed', 50_002, 'approved', '[]'),
        row('ep_plain', 50_003, null, null),
        row('ep_orphan', 50_004, 'pending', JSON.stringify([claim('machineGuid', 'G-1', ['ep_forgotten'])])),
      ];
      for (let i = 0; i < clones.length; i += 200) await knex('endpoints').insert(clones.slice(i, i + 200));
      await knex('endpoints').insert([...holders, ...special]);

      await knex.migrate.latest({ migrationSource });
      await assertClaimsIndexed(knex, 'the upgrade');
      const of = async (id: string) =>
        (await knex('approval_claim_holders').where({ endpoint_id: id }).orderBy('holder_id')).map((r) => r.holder_id);
      assert.deepEqual(await of('ep_two'), ['ep_holder_1', 'ep_holder_2']);
      assert.deepEqual(await of('ep_approved'), ['ep_holder_3']);
      assert.deepEqual([await of('ep_freed'), await of('ep_plain')], [[], []]);
      assert.deepEqual(await of('ep_orphan'), ['ep_forgotten']);
      assert.equal(Number((await knex('approval_claim_holders').count({ n: '*' }).first())?.n), CLONES + 4);

      // What a release of holder 4 reads now: the pending clones naming it, oldest first, the
      // denied ones and the others left out; the last batch's rows are there too.
      const waiting = (await pendingWaitingOn(knex, 'ep_holder_4', ['id'])).map((r) => r.id);
      const expected = clones.filter((c, i) => i % 5 === 4 && c.approval === 'pending').map((c) => c.id);
      assert.deepEqual(waiting, expected);
      assert.ok(expected.includes(`ep_clone_01204`));
      assert.deepEqual(
        (await pendingWaitingOn(knex, 'ep_forgotten', ['id'])).map((r) => r.id),
        ['ep_orphan'],
      );
      // Forgetting an endpoint now drops its rows with it (the foreign key cascades).
      assert.equal(await store.endpoints.forget('ep_two'), true);
      assert.deepEqual(await of('ep_two'), []);
      await assertClaimsIndexed(knex, 'forgetting an endpoint after the upgrade');
    });

    it('skips stored claims that are not a list of claims, and goes down and up again', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: MIGRATION });
      const broken = [
        '{not json',
        '{"heldBy":["ep_holder_0"]}',
        `[null, 7, {"heldBy":"ep_holder_0"}, {"heldBy":[3, "ep_holder_1", "ep_${'x'.repeat(70)}"]}]`,
        // A NUL character (PostgreSQL text cannot hold one): no endpoint's id, and no failed upgrade.
        '[{"heldBy":["ep_\\u0000nul"]}]',
      ];
      await knex('endpoints').insert(
        broken.map((claims, i) => ({
          id: `ep_broken_${i}`,
          public_key: `pk-broken-${i}`,
          enrolled_at: 60_000 + i,
          last_seen_at: 60_000 + i,
          last_seen_hour: 0,
          last_seq: 1,
          blocked: false,
          approval: 'pending',
          approval_claims: claims,
        })),
      );
      await knex.migrate.latest({ migrationSource });
      const rows = await knex('approval_claim_holders').where('endpoint_id', 'like', 'ep_broken_%').select('endpoint_id', 'holder_id');
      assert.deepEqual(rows, [{ endpoint_id: 'ep_broken_2', holder_id: 'ep_holder_1' }]);
    });
  });
}
