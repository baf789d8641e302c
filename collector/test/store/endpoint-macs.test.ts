import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Knex } from 'knex';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import type { EndpointRow } from '@devtrust/collector/store/rows';
import type { ReportToStore } from '@devtrust/collector/domain/endpoint';
import { claimedColumns } from '@devtrust/collector/store/repos/identifier-bindings';
import { macClaims } from '@devtrust/collector/store/repos/mac-claims';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, testStores } from '../support/test-store.js';
import { enrollMany, tick } from '../support/reenrollment-fixtures.js';
import { enrollReporting, reportOfIdentity, type FleetIdentity } from '../support/claims-fleet.js';
import { assertMacsMirrored } from '../support/endpoint-macs.js';
import { referenceMacClaims, releaseAsReference } from '../support/reference-release.js';

/**
 * endpoint_macs (store/repos/endpoint-macs.ts): the MACs each endpoint reports, a row each, kept
 * equal to endpoints.mac_addresses, and what the MAC claims and a release's judge read instead of
 * a LIKE on that list per MAC. Same answers as the LIKE (test/support/reference-release.ts), a few
 * statements per release whatever its waiters' MACs, none more for the usual report.
 */

const guid = (n: number): string => `6F9619FF-8B86-D011-B42D-${String(n).padStart(12, '0')}`;
const mac = (n: number): string => `AABBCC${String(n).padStart(6, '0')}`;

class Rollback extends Error {}

/** A CSV integration matching MACs whose current inventory knows `macs` by MAC alone (and the serials given). */
async function macInventory(store: Store, macs: string[], serials: string[] = []): Promise<void> {
  const knex = store.knex;
  const integration = await createCsvIntegration(store, `macs-${randomBytes(3).toString('hex')}`, ['windows']);
  await knex('integrations')
    .where({ id: integration })
    .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
  const records = [...macs.map((m) => ({ mac: m, serial: null })), ...serials.map((s) => ({ mac: null, serial: s }))].map((r, n) => ({
    id: `${integration}-rec${n}`,
    ...r,
  }));
  for (let i = 0; i < records.length; i += 200) {
    const part = records.slice(i, i + 200);
    await knex('inventory_records').insert(
      part.map((r) => ({ id: r.id, integration_id: integration, generation: 'g1', serial_number: r.serial ?? `INV-${r.id}` })),
    );
    const withMac = part.filter((r) => r.mac !== null);
    if (withMac.length > 0)
      await knex('inventory_macs').insert(
        withMac.map((r) => ({ record_id: r.id, integration_id: integration, generation: 'g1', mac: r.mac })),
      );
  }
}

/** The SQL of every statement `run` sends, through knex or straight on the driver (usual reports on PostgreSQL). */
async function statementsDuring(store: Store, run: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const done = (event: { sql: string }): void => void sent.push(event.sql);
  statementsOf(store.knex.client).on('done', done);
  try {
    await run();
  } finally {
    statementsOf(store.knex.client).off('done', done);
  }
  return sent;
}

/**
 * What storing these reports took before endpoint_macs (counted on the code before it): a batch
 * of usual reports on SQLite is begin, the UPDATE, the history upsert, commit; on PostgreSQL one
 * UPDATE that writes the history too.
 */
const STATEMENTS_BEFORE_ENDPOINT_MACS = {
  sqlite: { usualBatch: 4, macsChanged: 9, secondInBatch: 9 },
  postgres: { usualBatch: 1, macsChanged: 11, secondInBatch: 5 },
};

for (const db of DATABASES) {
  describeUnless(db.skip)(`endpoint_macs on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    const seqs = new Map<string, number>();
    /** The next report of an endpoint, reporting `identity`. */
    const next = (endpointId: string, identity: FleetIdentity): ReportToStore => {
      // Past the sequence numbers enrollReporting used (one counter for all its endpoints).
      const seq = (seqs.get(endpointId) ?? 1_000) + 1;
      seqs.set(endpointId, seq);
      return { endpointId, seq, report: reportOfIdentity(identity), at: Date.now() };
    };
    // A fresh store for each test, copied on PostgreSQL from one migrated once for the file.
    const stores = testStores(db.name, 'endpoint-macs');
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });
    afterAll(async () => {
      await stores.close();
    });

    it('lists exactly what mac_addresses does through enrollments, MAC changes, replays and forget', async () => {
      const knex = store.knex;
      const a = await enroll({ serialNumber: 'A', macAddresses: [mac(1), mac(2)] });
      const b = await enroll({ serialNumber: 'B', macAddresses: ['aa:bb:cc:00:00:02'] }); // normalised as stored
      const c = await enroll({ serialNumber: 'C' });
      const d = await enroll({ serialNumber: 'D', macAddresses: [mac(3)] });
      assert.equal(await assertMacsMirrored(knex, 'enrollments'), 4);
      assert.deepEqual(
        (await knex('endpoint_macs').where({ endpoint_id: b })).map((r: { mac: string }) => r.mac),
        [mac(2)],
      );
      // One replaced, one dropped, one added to an endpoint that had none; D twice in one batch (its second report goes one by one).
      await store.recordReports([
        next(a, { serialNumber: 'A', macAddresses: [mac(2), mac(4)] }),
        next(b, { serialNumber: 'B' }),
        next(c, { serialNumber: 'C', macAddresses: [mac(1)] }),
        next(d, { serialNumber: 'D', macAddresses: [mac(3)] }),
        next(d, { serialNumber: 'D', macAddresses: [mac(5), mac(6)] }),
      ]);
      assert.equal(await assertMacsMirrored(knex, 'MAC changes'), 5);
      // A replay (an old sequence number) stores nothing, its MACs included.
      const [replayed] = await store.recordReports([{ ...next(a, { serialNumber: 'A', macAddresses: [mac(9)] }), seq: 1 }]);
      assert.equal(replayed, false);
      // The usual report: identifiers unchanged.
      await store.recordReports(
        [a, b, c, d].map((id) =>
          next(
            id,
            id === a
              ? { serialNumber: 'A', macAddresses: [mac(4), mac(2)] }
              : {
                  serialNumber: id === b ? 'B' : id === c ? 'C' : 'D',
                  ...(id === c ? { macAddresses: [mac(1)] } : id === d ? { macAddresses: [mac(5), mac(6)] } : {}),
                },
          ),
        ),
      );
      assert.equal(await assertMacsMirrored(knex, 'replays and usual reports'), 5);
      // Written by SQL of its own (a restore, an admin's statement): the rows follow all the same.
      await knex('endpoints')
        .where({ id: c })
        .update({ mac_addresses: JSON.stringify([mac(7), mac(8)]) });
      await knex('endpoints').insert({
        id: 'ep_by_sql',
        public_key: 'pk-by-sql',
        enrolled_at: 1,
        last_seen_at: 1,
        last_seen_hour: 0,
        last_seq: 1,
        blocked: false,
        mac_addresses: JSON.stringify([mac(9)]),
      });
      assert.equal(await assertMacsMirrored(knex, 'writes by SQL'), 7);
      // Forgetting an endpoint drops its rows (the foreign key cascades); releasing one keeps them (it still reports them).
      assert.equal(await store.endpoints.forget(a), true);
      assert.ok((await store.endpoints.release(d, Date.now()))?.released);
      assert.equal(await assertMacsMirrored(knex, 'forget and release'), 5);
    });

    // A backup is the whole database (VACUUM INTO; pg_dump on PostgreSQL): the rows and the triggers come with it.
    it.skipIf(db.name !== 'sqlite')('comes back with a restored backup, and keeps following the lists', async () => {
      const id = await enroll({ serialNumber: 'BACKED', macAddresses: [mac(1), mac(2)] });
      const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-macs-restore-'));
      try {
        await store.snapshot(path.join(dir, 'devtrust.sqlite'));
        const restored = await Store.open({ databaseUrl: null, dataDir: dir });
        try {
          assert.equal(await assertMacsMirrored(restored.knex, 'the restore'), 2);
          await restored.recordReports([next(id, { serialNumber: 'BACKED', macAddresses: [mac(3)] })]);
          assert.equal(await assertMacsMirrored(restored.knex, 'a report after the restore'), 1);
        } finally {
          await restored.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("follows one endpoint's MACs that several writers change at once", async () => {
      // On PostgreSQL each call is a transaction of its own on its own connection: they wait for
      // the endpoint's row in turn, and each change must see the one committed before it.
      const id = await enroll({ serialNumber: 'RACE', macAddresses: [mac(1)] });
      let seq = 2_000;
      for (let round = 0; round < 5; round++) {
        const calls = Array.from({ length: 6 }, (_, k) => ({
          endpointId: id,
          seq: ++seq,
          report: reportOfIdentity({ serialNumber: 'RACE', macAddresses: [mac(round * 10 + k), mac(99 - k)] }),
          at: Date.now(),
        }));
        await Promise.all(calls.map((call) => store.recordReports([call])));
        await assertMacsMirrored(store.knex, `round ${round}`);
      }
    });

    it('finds the MAC claims the LIKE on mac_addresses found, holder for holder', async () => {
      const knex = store.knex;
      // MACs 1-6 known by MAC alone; serial KNOWN by an inventory record of its own.
      await macInventory(store, [1, 2, 3, 4, 5, 6].map(mac), ['KNOWN']);
      // 25 reporters of MAC 1 (more than the 20 a claim names), enrolled in the same instant:
      // the order falls to their ids. Some pending, blocked, released.
      const crowd = await enrollMany(
        store,
        25,
        (i) => ({ platform: 'windows', hostname: 'c', serialNumber: `CROWD${i}`, macAddresses: [mac(1)] }) as never,
      );
      await tick();
      await knex('endpoints').whereIn('id', crowd.slice(0, 3)).update({ approval: 'pending' });
      await store.endpoints.setBlocked(crowd[3] as string, true);
      assert.ok((await store.endpoints.release(crowd[4] as string, Date.now()))?.released);
      let state = 11;
      const random = (below: number): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return Math.floor((state / 2147483648) * below);
      };
      for (let n = 0; n < 40; n++) {
        const macs = Array.from({ length: 1 + random(3) }, () => mac(1 + random(8))); // 7 and 8: in no inventory
        await enroll({ serialNumber: random(6) === 0 ? 'KNOWN' : `R${n}`, macAddresses: macs });
      }
      const rows = (await knex('endpoints').select('*')) as EndpointRow[];
      // Each endpoint as itself, and one not enrolled that reports every MAC.
      const cases = [
        ...rows.map((row) => ({ id: row.id, claimed: claimedColumns(row), macs: JSON.parse(row.mac_addresses ?? '[]') as string[] })),
        { id: 'ep_nobody', claimed: claimedColumns({} as EndpointRow), macs: [1, 2, 3, 4, 5, 6, 7, 8].map(mac) },
      ];
      let claimsSeen = 0;
      await assert.rejects(
        knex.transaction(async (trx: Knex.Transaction) => {
          for (const c of cases) {
            const expected = await referenceMacClaims(trx, c.id, c.claimed, c.macs);
            assert.deepEqual(await macClaims(trx, c.id, c.claimed, c.macs), expected, c.id);
            claimsSeen += expected.length;
          }
          throw new Rollback();
        }),
        Rollback,
      );
      assert.ok(claimsSeen > 20, `${claimsSeen} claims compared`);
    });

    it("judges a release's MAC-heavy waiters as the per-waiter loop with the LIKE did", async () => {
      await macInventory(store, [1, 2, 3, 4, 5, 6, 7, 8].map(mac));
      let state = 5;
      const random = (below: number): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return Math.floor((state / 2147483648) * below);
      };
      for (let round = 0; round < 2; round++) {
        const holder = await enroll({ machineGuid: guid(round), serialNumber: `HOLDER${round}` });
        // MAC holders before the waiters, 22 of MAC 1 (a claim names 20).
        for (let n = 0; n < 30; n++) await enroll({ serialNumber: `M${round}-${n}`, macAddresses: [mac(n < 22 ? 1 : 2 + random(7))] });
        // Waiters on the holder's MachineGuid, with MACs: freed ones become holders for the later ones.
        for (let n = 0; n < 30; n++)
          await enroll({
            machineGuid: guid(round),
            serialNumber: `W${round}-${n}`,
            macAddresses: Array.from({ length: 1 + random(2) }, () => mac(1 + random(12))),
          });
        const released = await releaseAsReference(store, holder, `round ${round}`);
        assert.ok(released.freed.length > 0 && released.stillPending.length > 0, JSON.stringify(released));
      }
    });

    it('sends no statement more for the usual report, nor for one whose MACs changed', async () => {
      const ids = await enrollMany(
        store,
        30,
        (i) => ({ platform: 'windows', hostname: 'u', serialNumber: `U${i}`, macAddresses: [mac(i), mac(100 + i)] }) as never,
      );
      const identity = (i: number, macs: string[]): FleetIdentity =>
        ({ platform: 'windows', hostname: 'u', serialNumber: `U${i}`, macAddresses: macs }) as never;
      const counts = {
        usualBatch: await statementsDuring(store, () =>
          store.recordReports(ids.map((id, i) => next(id, identity(i, [mac(i), mac(100 + i)])))),
        ),
        // One endpoint's MACs changed: its report goes one by one (it is checked for claims).
        macsChanged: await statementsDuring(store, () => store.recordReports([next(ids[0] as string, identity(0, [mac(0), mac(200)]))])),
        // An endpoint's second report in a batch goes one by one too, its identifiers unchanged.
        secondInBatch: await statementsDuring(store, () =>
          store.recordReports([
            next(ids[1] as string, identity(1, [mac(1), mac(101)])),
            next(ids[1] as string, identity(1, [mac(1), mac(101)])),
          ]),
        ),
      };
      for (const [what, sent] of Object.entries(counts))
        assert.ok(!sent.some((sql) => /endpoint_macs/.test(sql)), `${what}:\n${sent.join('\n')}`);
      assert.deepEqual(
        Object.fromEntries(Object.entries(counts).map(([what, sent]) => [what, sent.length])),
        STATEMENTS_BEFORE_ENDPOINT_MACS[db.name],
      );
      await assertMacsMirrored(store.knex, 'usual and changed reports');
    });

    it("reads a release's MAC holders in a few statements, not one per distinct MAC", async () => {
      // The MACs of both rounds below (0-19 and 1000-1599), known by MAC alone.
      await macInventory(store, [...Array.from({ length: 20 }, (_, n) => mac(n)), ...Array.from({ length: 600 }, (_, n) => mac(1000 + n))]);
      const statementsFor = async (waiters: number, n: number): Promise<number> => {
        const base = n * 1000;
        const [holder] = await enrollMany(store, 1, () => ({ platform: 'windows', hostname: 'h', machineGuid: guid(100 + n) }));
        // Each waiter's MAC is reported by an endpoint enrolled before it (one reports up to 60 of them: fewer to enroll).
        await enrollMany(
          store,
          Math.ceil(waiters / 60),
          (k) =>
            ({
              platform: 'windows',
              hostname: 'm',
              serialNumber: `MH${n}-${k}`,
              macAddresses: Array.from({ length: Math.min(60, waiters - k * 60) }, (_, i) => mac(base + k * 60 + i)),
            }) as never,
        );
        await tick();
        const ids = await enrollMany(
          store,
          waiters,
          (i) =>
            ({
              platform: 'windows',
              hostname: 'w',
              machineGuid: guid(100 + n),
              serialNumber: `MW${n}-${i}`,
              macAddresses: [mac(base + i)],
            }) as never,
        );
        assert.equal((await store.endpoints.get(ids[0] as string))?.approval, 'pending');
        let count = 0;
        const listener = (): void => void count++;
        store.knex.on('query', listener);
        const released = await store.endpoints.release(holder as string, Date.now());
        store.knex.removeListener('query', listener);
        assert.ok(released?.released);
        // All stay pending, each on its MAC's holder.
        assert.equal(released.stillPending.length, waiters);
        const claims = (await store.endpoints.get(ids[waiters - 1] as string))?.approvalClaims ?? [];
        assert.deepEqual(
          claims.map((c) => [c.kind, c.value]),
          [['macAddress', mac(base + waiters - 1)]],
        );
        return count;
      };
      const few = await statementsFor(20, 0);
      const many = await statementsFor(600, 1);
      // One LIKE per distinct MAC: 580 more MACs were 580 more statements.
      assert.ok(many - few <= 12, `${few} statements for 20 waiters on 20 MACs, ${many} for 600 on 600`);
    });
  });
}
