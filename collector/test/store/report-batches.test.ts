import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import type { Report } from '@devtrust/shared/protocol';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import type { ReportToStore } from '@devtrust/collector/domain/endpoint';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';

const ENDPOINTS = 24;

/** A deterministic stream of report batches that exercises every branch of storing them. */
function batches(): { endpoint: number; seq: number; report: Report; at: number }[][] {
  const out: { endpoint: number; seq: number; report: Report; at: number }[][] = [];
  let at = 1_000;
  const seqs = new Array<number>(ENDPOINTS).fill(0);
  const report = (e: number, round: number): Report => ({
    agentVersion: '1.0.0',
    collectedAt: `2026-11-30T00:00:${String(round % 60).padStart(2, '0')}Z`,
    identity: {
      platform: e % 5 === 0 ? undefined : e % 2 === 0 ? 'macos' : 'windows',
      hostname: `host-${e}-${round % 3}`,
      // Most rounds repeat the identifiers; some change the serial, the MACs, or copy another endpoint's serial.
      serialNumber: e === 7 && round >= 4 ? 'SERIAL-3' : round % 9 === 8 && e % 4 === 1 ? `SERIAL-${e}-${round}` : `SERIAL-${e}`,
      ...(e % 3 === 0 ? { hardwareUuid: `4c4c4544-0000-1000-8000-${String(e).padStart(12, '0')}` } : {}),
      ...(e % 4 === 2 ? { macAddresses: round % 6 === 5 ? ['02:00:00:00:00:aa', `02:00:00:00:01:${e}`] : [`02:00:00:00:01:${e}`] } : {}),
    },
    ...(e % 3 === 1 ? { user: round % 2 === 0 ? `user${e}@example.com` : '' } : {}),
    posture: { diskEncryption: round % 2 === 0, firewall: true },
  });
  for (let round = 0; round < 26; round++) {
    const batch: { endpoint: number; seq: number; report: Report; at: number }[] = [];
    for (let e = 0; e < ENDPOINTS; e++) {
      if ((e + round) % 7 === 3) continue; // not every endpoint in every batch
      seqs[e] = (seqs[e] as number) + (round % 5 === 4 ? 2 : 1); // sequence numbers skip after a failed send
      batch.push({ endpoint: e, seq: seqs[e] as number, report: report(e, round), at: at++ });
      // A second report of the same endpoint in the batch (two sessions), and a replay.
      if (e % 6 === 5) batch.push({ endpoint: e, seq: (seqs[e] = (seqs[e] as number) + 1), report: report(e, round + 100), at: at++ });
      if (e % 8 === 2) batch.push({ endpoint: e, seq: (seqs[e] as number) - 1, report: report(e, round + 200), at: at++ });
    }
    out.push(batch);
  }
  return out;
}

async function openStore(kind: 'sqlite' | 'postgres'): Promise<{ store: Store; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const pg = await freshPostgresDatabase();
    const store = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
    return { store, drop: pg.drop };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-batches-'));
  const store = await Store.open({ databaseUrl: null, dataDir: dir });
  return { store, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Everything stored about the endpoints and their reports, with each store's random ids replaced by the endpoint's number. */
async function snapshot(store: Store, ids: string[]): Promise<unknown> {
  const index = new Map(ids.map((id, i) => [id, i]));
  const endpoints = (await store.knex('endpoints').select('*')) as Record<string, unknown>[];
  const rename = (value: unknown): unknown =>
    typeof value === 'string' ? value.replace(/ep_[0-9a-f-]{36}/g, (id) => `#${index.get(id)}`) : value;
  return {
    endpoints: endpoints
      .map((row) =>
        Object.fromEntries(
          Object.entries(row)
            .filter(([k]) => k !== 'public_key' && k !== 'enrolled_at')
            .map(([k, v]) => [k, rename(v)]),
        ),
      )
      .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    // Each endpoint's history as the admin API reads it (the newest N).
    histories: await Promise.all(ids.map((id) => store.endpoints.history(id))),
  };
}

// Reports are stored a batch at a time (one UPDATE for the batch's usual reports, their
// history slots overwritten together): the rows must be exactly what storing the same reports
// one at a time gives, replays, identifier changes, claims on another endpoint's serial and the
// bounded history included.
for (const db of DATABASES) {
  describeUnless(db.skip)(`report batches on ${db.name}`, () => {
    const opened: { store: Store; drop(): Promise<void> }[] = [];
    beforeAll(async () => {
      opened.push(await openStore(db.name), await openStore(db.name));
    });
    afterAll(async () => {
      for (const o of opened) {
        await o.store.close();
        await o.drop();
      }
    });

    it('stores the same rows and answers the same per report as one report at a time', async () => {
      const [batched, single] = opened.map((o) => o.store) as [Store, Store];
      const keys = Array.from({ length: ENDPOINTS }, () => generateDeviceKey().publicKey);
      const batchedIds = await Promise.all(keys.map(async (k) => (await batched.endpoints.enroll(k)).id));
      const singleIds = await Promise.all(keys.map(async (k) => (await single.endpoints.enroll(k)).id));
      let reportsSeen = 0;
      let refused = 0;

      for (const batch of batches()) {
        const items = (ids: string[]): ReportToStore[] =>
          batch.map((b) => ({ endpointId: ids[b.endpoint] as string, seq: b.seq, report: b.report, at: b.at }));
        const together = await batched.endpoints.recordReports(items(batchedIds));
        const oneByOne: boolean[] = [];
        for (const item of items(singleIds))
          oneByOne.push(await single.endpoints.recordReport(item.endpointId, item.seq, item.report, item.at));
        assert.deepEqual(together, oneByOne);
        reportsSeen += batch.length;
        refused += together.filter((s) => !s).length;
      }
      assert.ok(refused > 0 && refused < reportsSeen / 4, `some replays refused (${refused} of ${reportsSeen})`);

      // The usual batch (every endpoint reports again, nothing changed): a handful of
      // statements for the whole batch, not one or more per report: begin, one UPDATE per
      // shape (with and without a user), the history upsert (SQLite), commit.
      const usual = async (store: Store, ids: string[]): Promise<ReportToStore[]> => {
        const items: ReportToStore[] = [];
        for (const id of ids) {
          const endpoint = await store.endpoints.get(id);
          if (endpoint?.report) items.push({ endpointId: id, seq: endpoint.lastSeq + 1, report: endpoint.report, at: 9_999 });
        }
        return items;
      };
      const usualItems = await usual(batched, batchedIds);
      let statements = 0;
      const count = (): void => void statements++;
      // Every statement, through knex or straight on the driver (both report to statementsOf).
      statementsOf(batched.knex.client).on('done', count);
      const usualStored = await batched.endpoints.recordReports(usualItems);
      statementsOf(batched.knex.client).off('done', count);
      assert.deepEqual(usualStored, await single.endpoints.recordReports(await usual(single, singleIds)));
      assert.ok(usualStored.length === ENDPOINTS && usualStored.every(Boolean));
      assert.ok(statements <= 6, `${statements} statements for a batch of ${ENDPOINTS} usual reports`);
      const a = (await snapshot(batched, batchedIds)) as { endpoints: Record<string, unknown>[]; histories: unknown[][] };
      const b = await snapshot(single, singleIds);
      assert.deepEqual(a, b);
      // A ring of N slots: exactly N rows per endpoint once it stored N, never more.
      const rows = (await batched.knex('report_history').select('endpoint_id').count({ n: '*' }).groupBy('endpoint_id')) as {
        n: unknown;
      }[];
      assert.ok(rows.length === ENDPOINTS && rows.every((r) => Number(r.n) === 20), JSON.stringify(rows));
      assert.ok(
        a.endpoints.some((e) => e.approval === 'pending'),
        'the endpoint copying another serial waits for approval',
      );
      assert.ok(
        a.histories.every((h) => h.length === 20),
        'each endpoint keeps its last 20 reports',
      );
    });
  });
}

// Two collectors on one database (PostgreSQL in a cluster) storing the same endpoints' reports
// at once: an agent's report replayed on the other collector, or two sessions of one endpoint.
// Each (endpoint, sequence) is stored by one of them at most, its history row written once,
// and only with the endpoint's row changed by that very report.
for (const db of DATABASES) {
  describeUnless(db.skip)(`concurrent report batches on ${db.name}`, () => {
    let store: { a: Store; b: Store; drop(): Promise<void> } | undefined;
    beforeAll(async () => {
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        const a = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
        const b = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
        store = { a, b, drop: pg.drop };
      } else {
        const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-batches-'));
        const a = await Store.open({ databaseUrl: null, dataDir: dir });
        const b = await Store.open({ databaseUrl: null, dataDir: dir });
        store = { a, b, drop: async () => rmSync(dir, { recursive: true, force: true }) };
      }
    });
    afterAll(async () => {
      await store?.a.close();
      await store?.b.close();
      await store?.drop();
    });

    it('stores each report once across two writers, its history row with it', async () => {
      const { a, b } = store as { a: Store; b: Store };
      const ids = await Promise.all(Array.from({ length: 8 }, async () => (await a.endpoints.enroll(generateDeviceKey().publicKey)).id));
      ids.sort();
      const report = (e: number, seq: number, writer: string): Report => ({
        agentVersion: '1.0.0',
        collectedAt: '2026-11-30T00:00:00Z',
        // Writer b changes endpoint 3's serial every other round (the one-by-one path), a keeps it.
        identity: {
          platform: 'linux',
          hostname: `host-${writer}-${seq}`,
          serialNumber: e === 3 && writer === 'b' && seq % 2 ? `S-${e}-${seq}` : `S-${e}`,
        },
        posture: { firewall: true },
      });
      const bodies = new Map<string, string>();
      for (let seq = 1; seq <= 15; seq++) {
        const batch = (writer: string): ReportToStore[] =>
          ids.map((endpointId, e) => ({ endpointId, seq, report: report(e, seq, writer), at: seq * 10 + (writer === 'a' ? 0 : 1) }));
        const [fromA, fromB] = await Promise.all([a.endpoints.recordReports(batch('a')), b.endpoints.recordReports(batch('b'))]);
        for (const [e, id] of ids.entries()) {
          assert.ok(!(fromA[e] && fromB[e]), `sequence ${seq} of endpoint ${e} stored by both writers`);
          assert.ok(fromA[e] || fromB[e], `sequence ${seq} of endpoint ${e} stored by neither writer`);
          bodies.set(`${id}/${seq}`, `host-${fromA[e] ? 'a' : 'b'}-${seq}`);
        }
      }
      for (const id of ids) {
        const history = await a.endpoints.history(id);
        assert.deepEqual(
          history.map((h) => h.seq),
          Array.from({ length: 15 }, (_, i) => 15 - i),
          'one history row per stored sequence',
        );
        for (const h of history)
          assert.equal(h.report.identity.hostname, bodies.get(`${id}/${h.seq}`), 'the history row is the report stored');
        const endpoint = await a.endpoints.get(id);
        assert.equal(endpoint?.lastSeq, 15);
        assert.equal(endpoint?.report?.identity.hostname, bodies.get(`${id}/15`));
      }
    });
  });
}

// Two writers whose batches hold the same endpoints, each with new identifiers for one the
// other repeats: the usual reports' UPDATE locks some rows, the one-by-one path then wants the
// rows the other writer's UPDATE locked. Neither batch may fail for it (PostgreSQL deadlock).
for (const db of DATABASES) {
  describeUnless(db.skip)(`crossing report batches on ${db.name}`, () => {
    let store: { a: Store; b: Store; drop(): Promise<void> } | undefined;
    beforeAll(async () => {
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        store = {
          a: await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() }),
          b: await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() }),
          drop: pg.drop,
        };
      } else {
        const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-batches-'));
        store = {
          a: await Store.open({ databaseUrl: null, dataDir: dir }),
          b: await Store.open({ databaseUrl: null, dataDir: dir }),
          drop: async () => rmSync(dir, { recursive: true, force: true }),
        };
      }
    });
    afterAll(async () => {
      await store?.a.close();
      await store?.b.close();
      await store?.drop();
    });

    it('batches that take the same rows in crossing order both complete', async () => {
      const { a, b } = store as { a: Store; b: Store };
      const ids = (
        await Promise.all(Array.from({ length: 2 }, async () => (await a.endpoints.enroll(generateDeviceKey().publicKey)).id))
      ).sort();
      const report = (serialNumber: string): Report => ({
        agentVersion: '1.0.0',
        collectedAt: '2026-11-30T00:00:00Z',
        identity: { platform: 'linux', serialNumber },
      });
      const usual = (seq: number) => ids.map((endpointId, e) => ({ endpointId, seq, report: report(`S-${e}`), at: seq }));
      // A few rounds: each crossing that deadlocks costs the server's deadlock_timeout (1 s) to find.
      for (let round = 1; round <= 4; round++) {
        const seq = round * 10;
        await a.endpoints.recordReports(usual(seq)); // stored: S-0 and S-1
        // a: endpoint 0 as stored (the UPDATE takes its row), endpoint 1 with a new serial (taken one by one after);
        // b: the other way round.
        const batchA: ReportToStore[] = [
          { endpointId: ids[0] as string, seq: seq + 1, report: report('S-0'), at: seq },
          { endpointId: ids[1] as string, seq: seq + 1, report: report(`S-1-${round}`), at: seq },
        ];
        const batchB: ReportToStore[] = [
          { endpointId: ids[0] as string, seq: seq + 2, report: report(`S-0-${round}`), at: seq },
          { endpointId: ids[1] as string, seq: seq + 2, report: report('S-1'), at: seq },
        ];
        const results = await Promise.allSettled([a.endpoints.recordReports(batchA), b.endpoints.recordReports(batchB)]);
        for (const result of results) assert.equal(result.status, 'fulfilled', result.status === 'rejected' ? String(result.reason) : '');
        // b's reports are the newer: stored whichever batch went first, each with its history row.
        for (const id of ids) {
          assert.equal((await a.endpoints.get(id))?.lastSeq, seq + 2);
          assert.equal((await a.endpoints.history(id)).filter((h) => h.seq === seq + 2).length, 1);
        }
      }
    });
  });
}
