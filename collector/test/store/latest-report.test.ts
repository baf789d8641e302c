import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { LIMITS, type Report } from '@devtrust/shared/protocol';
import { Store } from '@devtrust/collector/store/store';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { reportWrite } from '@devtrust/collector/store/repos/report-writes';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';

const HOUR = 3_600_000;

const reportOf = (n: number): Report => ({
  agentVersion: '1.0.0',
  collectedAt: '2026-12-04T00:00:00Z',
  identity: { platform: 'macos', hostname: `host-${n}`, serialNumber: 'SERIAL-LATEST' },
  posture: { diskEncryption: n % 2 === 0, firewall: true },
});

/**
 * The endpoint row does not carry its latest report: every read finds it in the history ring,
 * at slot reports_stored mod N. A wrong slot reads an older report (or none) after the ring
 * wraps, which these would see.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`an endpoint's latest report, read from the history ring (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'latest-report'));
    });
    afterAll(async () => {
      await close();
    });

    /** The report as every read of the endpoint gives it: get, the decision's read, pages, the pending list. */
    async function latestEverywhere(id: string): Promise<(Report | null)[]> {
      const page = await store.endpointPages.page({ sort: 'lastSeen', limit: 1000 });
      const enrolledPage = await store.endpointPages.page({ sort: 'enrolled', limit: 1000 });
      return [
        (await store.endpoints.get(id))?.report ?? null,
        (await store.endpoints.withReporting(id))?.endpoint.report ?? null,
        page.find((e) => e.id === id)?.report ?? null,
        enrolledPage.find((e) => e.id === id)?.report ?? null,
        (await store.endpoints.list({ limit: 1000 })).find((e) => e.id === id)?.report ?? null,
      ];
    }

    it('has none before its first report, then the newest stored, past every wrap of the ring', async () => {
      const { id } = await store.endpoints.enroll(generateDeviceKey().publicKey);
      assert.deepEqual(await latestEverywhere(id), [null, null, null, null, null]);
      // 2.5 turns of the ring, one report at a time, in batches of one and of several endpoints.
      const other = (await store.endpoints.enroll(generateDeviceKey().publicKey)).id;
      for (let n = 1; n <= LIMITS.reportHistory * 2 + LIMITS.reportHistory / 2; n++) {
        const stored =
          n % 3 === 0
            ? await store.endpoints.recordReports([
                { endpointId: other, seq: n, report: reportOf(1000 + n), at: n },
                { endpointId: id, seq: n, report: reportOf(n), at: n },
              ])
            : [await store.endpoints.recordReport(id, n, reportOf(n), n)];
        assert.equal(stored.at(-1), true);
        const latest = await latestEverywhere(id);
        assert.deepEqual(latest, Array(latest.length).fill(reportOf(n)), `after report ${n}`);
      }
      assert.equal((await store.endpoints.history(id))[0]?.report.identity.hostname, `host-${LIMITS.reportHistory * 2.5}`);
      // A replay stores nothing and leaves the latest as it was.
      assert.equal(await store.endpoints.recordReport(id, 3, reportOf(3), 99), false);
      assert.deepEqual((await store.endpoints.get(id))?.report, reportOf(LIMITS.reportHistory * 2.5));
    });

    it('keeps the later of two reports of one endpoint in one batch', async () => {
      const { id } = await store.endpoints.enroll(generateDeviceKey().publicKey);
      const stored = await store.endpoints.recordReports([
        { endpointId: id, seq: 1, report: reportOf(1), at: 1 },
        { endpointId: id, seq: 2, report: reportOf(2), at: 2 },
      ]);
      assert.deepEqual(stored, [true, true]);
      assert.deepEqual((await store.endpoints.get(id))?.report, reportOf(2));
    });

    it('a usual report changes no indexed column of endpoints but the hour last seen', async () => {
      const indexed = new Set<string>();
      if (db.name === 'sqlite') {
        const indexes = (await store.knex.raw(`pragma index_list('endpoints')`)) as { name: string }[];
        for (const { name } of indexes) {
          for (const { name: column } of (await store.knex.raw(`pragma index_info('${name}')`)) as { name: string }[]) indexed.add(column);
        }
      } else {
        const { rows } = (await store.knex.raw(
          `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
           where i.indrelid = 'endpoints'::regclass`,
        )) as { rows: { attname: string }[] };
        for (const { attname } of rows) indexed.add(attname);
      }
      const changed = [
        ...Object.keys(reportWrite({ endpointId: 'ep', seq: 1, report: { ...reportOf(1), user: 'u@example.com' }, at: 1 }).update),
        'reports_stored',
      ];
      assert.deepEqual(
        changed.filter((column) => indexed.has(column)),
        ['last_seen_hour'],
      );
    });

    it('pages by the hour last seen, then id: every endpoint once, in that order', async () => {
      const base = Math.floor(Date.now() / HOUR) * HOUR - 100 * HOUR;
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        const { id } = await store.endpoints.enroll(generateDeviceKey().publicKey);
        // Several endpoints per hour, minutes apart, and one at each hour's very start and end.
        const at = base + (i % 5) * HOUR + (i % 2 === 0 ? i * 60_000 : HOUR - 1 - i);
        await store.endpoints.touch(id, at);
        ids.push(id);
      }
      const all = await store.endpointPages.page({ sort: 'lastSeen', limit: 1000 });
      const hourOf = (at: number) => at - (at % HOUR);
      const order = all.map((e) => [hourOf(e.lastSeenAt), e.id] as const);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0)),
      );
      const walked: string[] = [];
      let after: { at: number; id: string } | undefined;
      for (;;) {
        const page = await store.endpointPages.page({ sort: 'lastSeen', limit: 4, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        walked.push(...page.map((e) => e.id));
        const last = page.at(-1)!;
        after = { at: last.lastSeenAt, id: last.id };
      }
      assert.deepEqual(
        walked,
        all.map((e) => e.id),
      );
      // The silent endpoints are read through the hour index, the exact time still compared.
      const cut = base + 2 * HOUR + 30 * 60_000;
      const stale = new Set((await store.endpointFindings.silentSince(cut, all.length)).first.map((e) => e.id));
      const expected = all.filter((e) => e.lastSeenAt < cut).map((e) => e.id);
      assert.deepEqual([...stale].sort(), [...expected].sort());
      assert.ok(expected.some((id) => ids.includes(id)) && expected.length < ids.length);
    });
  });

  describeUnless(db.skip)(`upgrading: the endpoint's report moves into the ring (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'latest-report-migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('copies a report the ring lacks in as its newest entry, and leaves the others', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: '20261204100100_last_seen_hour' });
      await knex.migrate.down({ migrationSource, name: '20261204100000_latest_report_in_history' });
      const body = (n: number) => JSON.stringify(reportOf(n));
      const endpoint = (id: string, report: string | null, reportsStored: number, lastSeq: number) => ({
        id,
        public_key: `pk-${id}`,
        enrolled_at: 1,
        last_seen_at: 5 * HOUR + 7,
        last_seq: lastSeq,
        blocked: false,
        report,
        reports_stored: reportsStored,
      });
      await knex('endpoints').insert([
        // Restored from a backup made before the ring: a report, an empty ring, no count.
        endpoint('ep_restored', body(7), 0, 7),
        // The usual case: the ring's latest slot holds the report.
        endpoint('ep_current', body(3), 3, 3),
        // A full ring that wrapped (23 stored: latest in slot 3), the report newer than it.
        endpoint('ep_newer', body(99), 23, 99),
        // Never reported.
        endpoint('ep_none', null, 0, 0),
      ]);
      const ring = (id: string, slot: number, seq: number) => ({ endpoint_id: id, slot, seq, received_at: seq, body: body(seq) });
      await knex('report_history').insert([1, 2, 3].map((n) => ring('ep_current', n, n)));
      await knex('report_history').insert(
        Array.from({ length: LIMITS.reportHistory }, (_, slot) => ring('ep_newer', slot, slot <= 3 ? 20 + slot : slot)),
      );
      await knex.migrate.latest({ migrationSource });

      const seqs = async (id: string) => (await store.endpoints.history(id)).map((h) => h.seq);
      assert.deepEqual((await store.endpoints.get('ep_restored'))?.report, reportOf(7));
      assert.deepEqual(await seqs('ep_restored'), [7]);
      assert.deepEqual((await store.endpoints.get('ep_current'))?.report, reportOf(3));
      assert.deepEqual(await seqs('ep_current'), [3, 2, 1]);
      // Appended in slot 4: the oldest (seq 4) gives way.
      assert.deepEqual((await store.endpoints.get('ep_newer'))?.report, reportOf(99));
      assert.deepEqual(await seqs('ep_newer'), [99, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
      assert.equal((await store.endpoints.get('ep_none'))?.report, null);
      assert.deepEqual(
        (await knex('endpoints').orderBy('id').select('id', 'reports_stored', 'last_seen_hour')).map((r) => [
          r.id,
          Number(r.reports_stored),
          Number(r.last_seen_hour),
        ]),
        [
          ['ep_current', 3, 5 * HOUR],
          ['ep_newer', 24, 5 * HOUR],
          ['ep_none', 0, 5 * HOUR],
          ['ep_restored', 1, 5 * HOUR],
        ],
      );
      // Reports go on from there: the next one is the latest, and the restored report is history.
      assert.equal(await store.endpoints.recordReport('ep_restored', 8, reportOf(8), 8), true);
      assert.deepEqual((await store.endpoints.get('ep_restored'))?.report, reportOf(8));
      assert.deepEqual(await seqs('ep_restored'), [8, 7]);
      assert.equal(await store.endpoints.recordReport('ep_newer', 100, reportOf(100), 100), true);
      assert.deepEqual((await store.endpoints.get('ep_newer'))?.report, reportOf(100));

      // Down and up again: the report column comes back from the ring, and goes again.
      await knex.migrate.down({ migrationSource, name: '20261204100100_last_seen_hour' });
      await knex.migrate.down({ migrationSource, name: '20261204100000_latest_report_in_history' });
      const row = await knex('endpoints').where({ id: 'ep_newer' }).first('report', 'reports_stored');
      assert.deepEqual([JSON.parse(row.report), Number(row.reports_stored)], [reportOf(100), 25]);
      await knex.migrate.latest({ migrationSource });
      assert.deepEqual(await seqs('ep_newer'), [100, 99, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    });
  });
}
