import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, it } from 'vitest';
import { OWNER_TOKEN } from '../support/credentials.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { CollectorProcess, pollUntil, sleep } from './collector-process.js';
import { Fleet } from './fleet.js';

/**
 * The database busy: another program (a backup tool, an admin's open transaction) holds
 * the write lock for longer than the collector waits (5 s). Writes then fail as "busy": the
 * admin API answers 503 DATABASE_UNAVAILABLE with Retry-After instead of hanging or a 500,
 * agents are told to come back (close 1013) and do; once the lock is released everything
 * recovers by itself and no acknowledged report is lost.
 */

const HOLD_MS = 8_000;

for (const database of DATABASES) {
  describeUnless(database.skip)(`the database held busy by another program (${database.name})`, () => {
    let collector: CollectorProcess;
    let fleet: Fleet;
    let dataDir: string;
    let databaseUrl: string | null = null;
    let drop: (() => Promise<void>) | null = null;

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-busy-'));
      if (database.name === 'postgres') {
        const fresh = await freshPostgresDatabase();
        databaseUrl = fresh.url;
        drop = fresh.drop;
      }
      collector = await CollectorProcess.start({
        DEVTRUST_DATA_DIR: dataDir,
        DEVTRUST_AGENT_RETRY_SEC: '1',
        ...(databaseUrl ? { DEVTRUST_DATABASE_URL: databaseUrl } : {}),
      });
      fleet = new Fleet(collector.url, 8);
      await fleet.start();
    });
    afterAll(async () => {
      await fleet?.stop();
      await collector?.stop();
      await drop?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    /** Another program's connection holding the write lock on what reports and API keys are written to. */
    async function holdLock(): Promise<{ release(): Promise<void> }> {
      const other: Knex = databaseUrl
        ? knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 1, max: 1 } })
        : knexFactory({
            client: 'sqlite3',
            connection: { filename: path.join(dataDir, 'devtrust.sqlite') },
            useNullAsDefault: true,
            pool: { min: 1, max: 1 },
          });
      const trx = await other.transaction();
      if (databaseUrl) await trx.raw('LOCK TABLE report_history, endpoints, api_keys IN ACCESS EXCLUSIVE MODE');
      else await trx.raw("INSERT INTO settings (key, value) VALUES ('busy-test', 'x')"); // takes SQLite's one write lock
      return {
        release: async () => {
          await trx.rollback();
          await other.destroy();
        },
      };
    }

    it('writes fail fast as busy (503, agents told to retry), then everything recovers and nothing acknowledged is lost', async () => {
      const started = Date.now();
      fleet.reportEvery(300, 60);
      assert.ok(await pollUntil(() => fleet.ackedSince(started) >= 8, 20_000), 'no reports before the lock');
      const lock = await holdLock();
      let answer: { status: number; body: any; retryAfter: string | null; ms: number };
      try {
        const t0 = Date.now();
        const response = await fetch(`${collector.url}/admin/v1/api-keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'during the lock', role: 'read-only' }),
          signal: AbortSignal.timeout(HOLD_MS + 20_000),
        });
        answer = {
          status: response.status,
          body: await response.json(),
          retryAfter: response.headers.get('retry-after'),
          ms: Date.now() - t0,
        };
        const rest = HOLD_MS - (Date.now() - t0);
        if (rest > 0) await sleep(rest);
      } finally {
        await lock.release();
      }
      // A clear, retryable answer within the busy timeout (plus slack), not a hang and not a 500.
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'DATABASE_UNAVAILABLE');
      assert.ok(answer.retryAfter, 'no Retry-After');
      // Bounded without a clock: the lock is released only after this answer came, so a 503
      // means the write gave up while the database was still held (PostgreSQL's lock_timeout,
      // SQLite's busy_timeout) instead of waiting for it; a hang fails at the abort signal.
      // Back by itself: reports acknowledged again and writes work.
      const released = Date.now();
      assert.ok(await pollUntil(() => fleet.ackedSince(released) >= 8, 30_000), 'agents did not come back after the lock');
      const created = await fetch(`${collector.url}/admin/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'after the lock', role: 'read-only' }),
      });
      assert.equal(created.status, 201);
      await pollUntil(() => fleet.outstanding() === 0, 60_000, 200);
      fleet.stopReporting();
      const lost: string[] = [];
      for (const agent of fleet.agents) {
        const id = agent.link.endpointId as string;
        const response = await fetch(`${collector.url}/admin/v1/endpoints/${id}`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } });
        const stored = new Set(((await response.json()) as { history: { seq: number }[] }).history.map((h) => h.seq));
        const newest = Math.max(...agent.acked.map((a) => a.seq));
        for (const { seq } of agent.acked) if (seq > newest - 20 && !stored.has(seq)) lost.push(`${id}:${seq}`);
      }
      assert.deepEqual(lost, [], 'acknowledged reports are missing');
      const log = collector.lines.join('\n');
      assert.doesNotMatch(log, /"msg":"request failed"/, 'a busy database was logged as a failed request (a 500)');
    });
  });
}
