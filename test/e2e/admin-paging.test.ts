import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { OWNER_TOKEN } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * The endpoints and auth-log listings page with cursors: every row present when paging
 * starts is seen exactly once, whatever is inserted (or reported) between pages; filters
 * narrow both the page and its total; a cursor that is not one the API issued is a 400.
 */
const ENDPOINTS = 57;

for (const database of DATABASES) {
  describeUnless(database.skip)(`admin listings page with cursors (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let appA: string;
    let appB: string;
    const seeded: { id: string; hostname: string; serial: string; mac: string }[] = [];
    let seq = 0;

    const enroll = async (n: number) => {
      const endpoint = await c.store.endpoints.enroll(randomBytes(32).toString('base64url'));
      const hostname = `host-${String(n).padStart(3, '0')}`;
      const serial = `SER${n}X`;
      const mac = `02:AB:CD:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
      await report(endpoint.id, { hostname, serialNumber: serial, macAddresses: [mac] });
      return { id: endpoint.id, hostname, serial, mac };
    };
    const report = async (id: string, identity: Record<string, unknown>) => {
      seq += 1;
      const body = { agentVersion: 't', collectedAt: String(seq), user: 'alice@example.com', identity: { platform: 'linux', ...identity } };
      assert.equal(await c.store.endpoints.recordReport(id, seq, body as never, Date.now()), true);
    };
    const logEntry = (at: number, fields: Record<string, unknown> = {}) =>
      c.store.authLog.append({
        at,
        outcome: 'attested',
        transactionId: null,
        applicationId: appA,
        applicationName: 'Payroll',
        username: 'alice@example.com',
        endpointId: seeded[0]?.id ?? null,
        verdict: 'trusted',
        access: 'allow',
        reasons: ['allowed: trusted device'],
        ...fields,
      } as never);

    /** Every page of a listing, calling `between` after each; the ids in the order seen. */
    async function walk(path: string, key: string, between: () => Promise<void> = async () => {}) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const answer = await c.admin('GET', `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        seen.push(...answer.body[key].map((row: { id: string | number }) => String(row.id)));
        cursor = answer.body.nextCursor;
        pages += 1;
        await between();
        assert.ok(pages < 200, 'paging does not end');
      } while (cursor !== null);
      return { seen, pages };
    }
    const exactlyOnce = (seen: string[], expected: string[]) => {
      assert.equal(new Set(seen).size, seen.length, 'a row was seen twice');
      const missing = expected.filter((id) => !seen.includes(id));
      assert.deepEqual(missing, [], 'rows were never seen');
    };

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      for (let n = 0; n < ENDPOINTS; n++) seeded.push(await enroll(n));
      const app = async (name: string) =>
        (await c.admin('POST', '/admin/v1/applications', { name, redirectUris: ['http://127.0.0.1:9/cb'], policy: {} })).body.id as string;
      appA = await app('Payroll');
      appB = await app('Wiki');
    });
    afterAll(async () => {
      await c?.close();
    });

    it('endpoints: every endpoint once across pages while others enroll and report between pages, in both orders', async () => {
      const before = seeded.map((e) => e.id);
      const first = await c.admin('GET', '/admin/v1/endpoints?limit=10');
      assert.deepEqual(first.body.total, { count: ENDPOINTS, exact: true });
      assert.equal(first.body.endpoints.length, 10);

      let extra = 1000;
      const enrolled = await walk('/admin/v1/endpoints?limit=10&sort=enrolled', 'endpoints', async () => {
        seeded.push(await enroll(extra++));
        // Reports move an endpoint in the lastSeen order, never in the enrolled one.
        await report(before[(extra * 7) % before.length] as string, { hostname: `moved-${extra}` });
      });
      exactlyOnce(enrolled.seen, before);
      assert.ok(enrolled.pages >= 6);

      const lastSeen = await walk('/admin/v1/endpoints?limit=9', 'endpoints', async () => void seeded.push(await enroll(extra++)));
      exactlyOnce(
        lastSeen.seen,
        seeded.slice(0, -lastSeen.pages).map((e) => e.id),
      );
      // Newest seen first, by the hour last seen (then id, newest first): what the index holds.
      const shown = (await c.admin('GET', '/admin/v1/endpoints?limit=1000')).body.endpoints as { lastSeenAt: number; id: string }[];
      const order = shown.map((e) => [e.lastSeenAt - (e.lastSeenAt % 3_600_000), e.id] as const);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0)),
      );
    });

    it('endpoints: a trusted filter pages too (judged now: no total)', async () => {
      const all = seeded.map((e) => e.id);
      const first = await c.admin('GET', '/admin/v1/endpoints?trusted=false&limit=7');
      assert.equal(first.body.total, null);
      const { seen } = await walk('/admin/v1/endpoints?trusted=false&limit=7&sort=enrolled', 'endpoints');
      exactlyOnce(seen, all);
      const trusted = await c.admin('GET', '/admin/v1/endpoints?trusted=true');
      assert.deepEqual([trusted.body.endpoints, trusted.body.nextCursor], [[], null]);
    });

    it('endpoints: search matches MAC addresses (any notation, partial), endpoint ids, serials; wildcards are literal', async () => {
      const target = seeded[42] as (typeof seeded)[number];
      const search = async (q: string) => {
        const answer = await c.admin('GET', `/admin/v1/endpoints?q=${encodeURIComponent(q)}`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        return { ids: answer.body.endpoints.map((e: { id: string }) => e.id) as string[], total: answer.body.total };
      };
      for (const q of [target.mac, target.mac.toLowerCase(), target.mac.replaceAll(':', '-'), target.mac.replaceAll(':', ''), target.id]) {
        assert.deepEqual((await search(q)).ids, [target.id], q);
      }
      // The last three bytes, as an admin reads them off a label.
      assert.deepEqual((await search(target.mac.slice(-8))).ids, [target.id]);
      assert.deepEqual((await search(target.id.slice(3, 15))).ids, [target.id]);
      assert.deepEqual((await search(target.serial.toLowerCase())).ids, [target.id]);
      assert.deepEqual((await search('host-04')).total, { count: 10, exact: true });
      assert.deepEqual((await search('%')).ids, []);
      assert.deepEqual((await search('host_04')).ids, []);
    });

    it('a cursor the API did not issue, or issued for another listing or order, is 400 INVALID_CURSOR; limits are capped', async () => {
      const issued = (await c.admin('GET', '/admin/v1/endpoints?limit=2&sort=enrolled')).body.nextCursor as string;
      await logEntry(Date.now());
      await logEntry(Date.now());
      const logCursor = (await c.admin('GET', '/admin/v1/auth-log?limit=1')).body.nextCursor as string;
      const forged = (record: unknown) => Buffer.from(JSON.stringify(record)).toString('base64url');
      for (const [path, cursor] of [
        ['/admin/v1/endpoints', 'not a cursor'],
        ['/admin/v1/endpoints', 'AAAA'],
        ['/admin/v1/endpoints', issued.slice(0, -3)],
        ['/admin/v1/endpoints', issued],
        ['/admin/v1/endpoints?sort=lastSeen', issued],
        ['/admin/v1/endpoints?sort=enrolled', logCursor],
        ['/admin/v1/endpoints?sort=enrolled', forged({ l: 'endpoints:enrolled', a: 'x', i: 'ep_1' })],
        ['/admin/v1/endpoints?sort=enrolled', forged({ l: 'endpoints:enrolled', a: 1, i: 'ep_1', sql: 1 })],
        ['/admin/v1/endpoints?sort=enrolled', forged({ l: 'endpoints:enrolled', a: 1, i: 'ep_\u0000' })],
        ['/admin/v1/endpoints?sort=enrolled', forged({ l: 'endpoints:enrolled', a: 1, i: "ep_' or 1=1 --" })],
        ['/admin/v1/endpoints?sort=enrolled', forged([1, 2, 3])],
        ['/admin/v1/endpoints?sort=enrolled', forged({ l: 'endpoints:enrolled', a: 2 ** 60, i: 'ep_1' })],
        ['/admin/v1/auth-log', issued],
        ['/admin/v1/auth-log', forged({ l: 'auth-log', a: 1, i: 'x' })],
        ['/admin/v1/auth-log', forged({ l: 'auth-log', a: -5, i: 3 })],
      ] as const) {
        const sep = path.includes('?') ? '&' : '?';
        const answer = await c.admin('GET', `${path}${sep}cursor=${encodeURIComponent(cursor)}`);
        assert.equal(answer.status, 400, `${path} ${cursor}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, 'INVALID_CURSOR');
        assert.equal(answer.body.error.field, 'cursor');
      }
      for (const path of [
        '/admin/v1/endpoints?limit=1001',
        '/admin/v1/endpoints?limit=0',
        '/admin/v1/endpoints?offset=10',
        '/admin/v1/endpoints?sort=hostname',
        '/admin/v1/auth-log?limit=1001',
        '/admin/v1/auth-log?until=yesterday',
        '/admin/v1/auth-log?since=2026-02-01&until=2026-01-01',
        '/admin/v1/auth-log/export?limit=5',
        '/admin/v1/auth-log/export?cursor=x',
      ]) {
        const answer = await c.admin('GET', path);
        assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, 'INVALID_REQUEST', path);
      }
    });

    it('auth log: every entry once across pages while sign-ins are logged between pages; filters narrow pages and totals', async () => {
      await c.store.knex('auth_log').delete();
      const t0 = Date.parse('2026-11-01T00:00:00Z');
      // Several entries share a millisecond: the id breaks the tie.
      for (let i = 0; i < 130; i++) {
        await logEntry(t0 + Math.floor(i / 3) * 60_000, {
          applicationId: i % 2 === 0 ? appA : appB,
          applicationName: i % 2 === 0 ? 'Payroll' : 'Wiki',
          endpointId: (seeded[i % 3] as { id: string }).id,
          verdict: i % 5 === 0 ? 'untrusted' : 'trusted',
          access: i % 5 === 0 ? 'deny' : 'allow',
        });
      }
      const ids = ((await c.store.knex('auth_log').pluck('id')) as (number | string)[]).map(String);
      const first = await c.admin('GET', '/admin/v1/auth-log?limit=25');
      assert.deepEqual(first.body.total, { count: 130, exact: true });
      assert.equal(first.body.entries[0].endpointHostname, seeded[(129 % 3) as number]?.hostname);
      const { seen, pages } = await walk('/admin/v1/auth-log?limit=25', 'entries', async () => {
        await logEntry(Date.now());
        await logEntry(t0 + 10 * 60_000);
      });
      exactlyOnce(seen, ids);
      assert.ok(pages >= 6);

      const count = async (query: string) => (await c.admin('GET', `/admin/v1/auth-log?limit=1000&${query}`)).body;
      const byApp = await count(`applicationId=${appB}&until=${t0 + 44 * 60_000}`);
      assert.ok(byApp.entries.every((e: { applicationId: string; at: number }) => e.applicationId === appB && e.at < t0 + 44 * 60_000));
      assert.equal(byApp.entries.length, 65);
      assert.deepEqual(byApp.total, { count: 65, exact: true });
      const endpoint = (seeded[1] as { id: string }).id;
      const byEndpoint = await count(
        `endpointId=${endpoint}&since=${new Date(t0 + 30 * 60_000).toISOString()}&until=${new Date(t0 + 40 * 60_000).toISOString()}`,
      );
      assert.deepEqual(byEndpoint.total, { count: byEndpoint.entries.length, exact: true });
      assert.equal(byEndpoint.entries.length, 10);
      assert.ok(byEndpoint.entries.every((e: { endpointId: string }) => e.endpointId === endpoint));
      // Filters page too: a filtered walk sees each matching entry once.
      const filteredWalk = await walk(`/admin/v1/auth-log?limit=4&applicationId=${appA}&verdict=untrusted`, 'entries');
      const expected = ((await c.store.knex('auth_log').where({ application_id: appA, verdict: 'untrusted' }).pluck('id')) as number[]).map(
        String,
      );
      assert.deepEqual([...filteredWalk.seen].sort(), [...expected].sort());
    });

    it('auth log: a total past 10,000 reads "at least 10,000" without counting the whole log', async () => {
      const rows = Array.from({ length: 10_050 }, (_, i) => ({
        at: 1_000 + i,
        application_id: appB,
        application_name: 'Wiki',
        username: 'bulk@example.com',
        verdict: 'trusted',
        access: 'allow',
        reasons: '[]',
        outcome: 'attested',
      }));
      for (let i = 0; i < rows.length; i += 500) await c.store.knex('auth_log').insert(rows.slice(i, i + 500));
      const answer = await c.admin('GET', '/admin/v1/auth-log?user=bulk@example.com&limit=3');
      assert.deepEqual(answer.body.total, { count: 10_000, exact: false });
      const narrower = await c.admin('GET', `/admin/v1/auth-log?user=bulk@example.com&until=${1_000 + 9_999}`);
      assert.deepEqual(narrower.body.total, { count: 9_999, exact: true });
      await c.store.knex('auth_log').where({ username: 'bulk@example.com' }).delete();
    });

    it('auth log export: the filtered entries as CSV, newest first, formula-safe and quoted', async () => {
      await c.store.knex('auth_log').delete();
      const t0 = Date.parse('2026-11-02T08:00:00Z');
      await logEntry(t0, { username: '=HYPERLINK("http://evil.example","x")', reasons: ['-2+3', 'plain, with "quotes"\nand a line'] });
      await logEntry(t0 + 1000, { username: '@sum(a1)', applicationId: appB, applicationName: '+Wiki' });
      await logEntry(t0 + 2000, { username: 'bob@example.com', outcome: 'abandoned', endpointId: null });
      await logEntry(t0 + 3000, { username: 'carol@example.com' });

      const response = await fetch(`${c.url}/admin/v1/auth-log/export?applicationId=${appA}`, {
        headers: { authorization: `Bearer ${OWNER_TOKEN}` },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="devtrust-auth-log-.*\.csv"$/);
      const text = await response.text();
      const head = await fetch(`${c.url}/admin/v1/auth-log/export`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${OWNER_TOKEN}` },
      });
      assert.deepEqual([head.status, head.headers.get('content-type'), await head.text()], [200, 'text/csv; charset=utf-8', '']);
      const rows = parse(text) as string[][];
      assert.deepEqual(rows[0], [
        'id',
        'at',
        'outcome',
        'username',
        'applicationId',
        'applicationName',
        'endpointId',
        'endpointHostname',
        'verdict',
        'access',
        'assurance',
        'reasons',
      ]);
      // appA only, real sign-ins only (the default outcome), newest first.
      assert.deepEqual(
        rows.slice(1).map((r) => r[3]),
        ['carol@example.com', `'=HYPERLINK("http://evil.example","x")`],
      );
      const risky = rows[2] as string[];
      assert.equal(risky[1], new Date(t0).toISOString());
      assert.equal(risky[7], seeded[0]?.hostname);
      assert.equal(risky[11], `'-2+3; plain, with "quotes"\nand a line`);
      // No cell of the file starts a formula.
      assert.ok(rows.flat().every((cell) => !/^[=+\-@]/.test(cell)));

      const everything = parse(
        await (
          await fetch(`${c.url}/admin/v1/auth-log/export?outcome=all`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } })
        ).text(),
      ) as string[][];
      assert.deepEqual(
        everything.slice(1).map((r) => [r[3], r[5]]),
        [
          ['carol@example.com', 'Payroll'],
          ['bob@example.com', 'Payroll'],
          ["'@sum(a1)", "'+Wiki"],
          [`'=HYPERLINK("http://evil.example","x")`, 'Payroll'],
        ],
      );
    });

    it('auth log export streams a large log in batches, every row once', async () => {
      await c.store.knex('auth_log').delete();
      const rows = Array.from({ length: 2_500 }, (_, i) => ({
        at: 5_000 + Math.floor(i / 2),
        application_id: appA,
        application_name: 'Payroll',
        username: `u${i}@example.com`,
        verdict: 'trusted',
        access: 'allow',
        reasons: '[]',
        outcome: 'attested',
      }));
      for (let i = 0; i < rows.length; i += 500) await c.store.knex('auth_log').insert(rows.slice(i, i + 500));
      const text = await (await fetch(`${c.url}/admin/v1/auth-log/export`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } })).text();
      const names = (parse(text) as string[][]).slice(1).map((r) => r[3]);
      assert.equal(names.length, 2_500);
      assert.equal(new Set(names).size, 2_500);
    });

    (database.name === 'sqlite' ? it : it.skip)('auth log export: a client that goes away stops the reads', async () => {
      await c.store.knex('auth_log').delete();
      const rows = 100_000;
      await c.store.knex.transaction(async (trx) => {
        for (let i = 0; i < rows; i += 500) {
          await trx('auth_log').insert(
            Array.from({ length: 500 }, (_, j) => ({
              at: 10_000 + i + j,
              application_id: appA,
              application_name: 'Payroll',
              username: `user${i + j}@example.com`,
              verdict: 'trusted',
              access: 'allow',
              reasons: JSON.stringify(['trusted: serial number matches a record of the inventory']),
              outcome: 'attested',
            })),
          );
        }
      });
      let reads = 0;
      const count = (query: { sql: string }) => void (/from [`"]auth_log[`"]/i.test(query.sql) && reads++);
      c.store.knex.on('query', count);
      try {
        const controller = new AbortController();
        const response = await fetch(`${c.url}/admin/v1/auth-log/export`, {
          headers: { authorization: `Bearer ${OWNER_TOKEN}` },
          signal: controller.signal,
        });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        assert.ok((await reader.read()).value);
        controller.abort();
        // The reads stop: the count settles well short of the 100 batches the whole log takes.
        let settled = -1;
        while (settled !== reads) {
          settled = reads;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        assert.ok(reads < rows / 1000 / 2, `${reads} batches read after the client left`);
        assert.equal((await c.admin('GET', '/admin/v1/auth-log?limit=1')).status, 200);
      } finally {
        c.store.knex.off('query', count);
        await c.store.knex('auth_log').delete();
      }
    });

    it('dashboard: endpoint counts, sign-ins per bucket, integration health and findings', async () => {
      await c.store.knex('auth_log').delete();
      const now = Date.now();
      await logEntry(now - 2 * 3_600_000);
      await logEntry(now - 2 * 3_600_000, { verdict: 'untrusted', access: 'allow' });
      await logEntry(now - 3_600_000, { verdict: 'untrusted', access: 'deny' });
      await logEntry(now - 3_600_000, { outcome: 'abandoned', verdict: 'untrusted', access: 'deny' });
      await logEntry(now - 2 * 24 * 3_600_000);
      const integration = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Laptops',
        platforms: ['linux'],
        config: {},
      });
      await c.admin('PUT', `/admin/v1/integrations/${integration.body.id}/inventory`, 'serial_number\nSER1X\n', {
        contentType: 'text/csv',
      });
      await c.store.endpoints.setBlocked((seeded[3] as { id: string }).id, true);

      const day = await c.admin('GET', '/admin/v1/dashboard?range=24h&utcOffsetMinutes=60');
      assert.equal(day.status, 200, JSON.stringify(day.body));
      const endpointsNow = Number(((await c.store.knex('endpoints').count({ n: '*' })) as { n: number }[])[0]?.n);
      assert.equal(day.body.endpoints.total, endpointsNow);
      assert.equal(day.body.endpoints.blocked, 1);
      assert.equal(day.body.endpoints.seenSince, endpointsNow);
      // The abandoned prompt's denial is a sign-in denied for lack of an agent: counted, and said so.
      assert.deepEqual(day.body.signIns.totals, { trusted: 1, untrusted: 1, denied: 2, deniedNoAgent: 1 });
      assert.equal(day.body.signIns.buckets.length, 24);
      assert.equal(day.body.signIns.bucketMs, 3_600_000);
      const month = await c.admin('GET', '/admin/v1/dashboard?range=30d&utcOffsetMinutes=-300');
      assert.deepEqual(month.body.signIns.totals, { trusted: 2, untrusted: 1, denied: 2, deniedNoAgent: 1 });
      // Day bars start at the viewer's midnight (UTC-5 here).
      for (const b of month.body.signIns.buckets) assert.equal((b.start - 300 * 60_000) % 86_400_000, 0);
      assert.ok(month.body.signIns.buckets.length >= 30);
      assert.deepEqual(
        day.body.integrations.map((i: { name: string; health: string; devices: number }) => [i.name, i.health, i.devices]),
        [['Laptops', 'ok', 1]],
      );
      assert.equal(typeof day.body.findings.total, 'number');
      assert.equal(day.body.findings.total, day.body.findings.error + day.body.findings.warning + day.body.findings.info);

      for (const bad of ['range=1y', 'utcOffsetMinutes=900', 'utcOffsetMinutes=1.5', 'extra=1']) {
        assert.equal((await c.admin('GET', `/admin/v1/dashboard?${bad}`)).status, 400, bad);
      }
    });
  });
}
