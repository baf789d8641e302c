import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, it } from 'vitest';
import WebSocket from 'ws';
import { generateDeviceKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { LIMITS } from '@devtrust/shared/protocol';
import { describeUnless } from '../support/skip.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { POSTGRES_SKIP, freshPostgresDatabase } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';

/**
 * One endpoint with a session on each of two collectors sharing a PostgreSQL database,
 * sending reports at once with sequence numbers that cross (and sometimes the same one):
 * every acknowledged report is counted once, the newest is the endpoint's, and the history
 * ring holds exactly the last acknowledged ones; a report refused as a replay is in none.
 */
describeUnless(POSTGRES_SKIP)('two sessions of one endpoint on two collectors, reports crossing', () => {
  let a: TestCollector;
  let b: TestCollector;
  let db: Knex;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const pg = await freshPostgresDatabase();
    drop = pg.drop;
    const env = { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') };
    a = await startTestCollector({ databaseUrl: pg.url, env });
    b = await startTestCollector({ databaseUrl: pg.url, env });
    db = knexFactory({ client: 'pg', connection: pg.url, pool: { min: 0, max: 1 } });
  });
  afterAll(async () => {
    await db?.destroy();
    await a?.stop();
    await b?.stop();
    await drop?.();
  });

  const REPORT = { agentVersion: '1.0.0', collectedAt: '2026-11-30T08:00:00Z', identity: { platform: 'linux', hostname: 'race' } };

  async function session(url: string, keys: DeviceKeyPair, endpointId: string): Promise<RawChannel> {
    const ch = await RawChannel.open(url);
    ch.endpointId = endpointId;
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId } as never, keys));
    await ch.next((m) => m.type === 'authenticated');
    return ch;
  }

  /** True when acknowledged, false when refused as a replay (the session then closes). */
  async function report(ch: RawChannel, keys: DeviceKeyPair, seq: number): Promise<boolean> {
    ch.send(
      ch.signed({ type: 'report', seq, report: { ...REPORT, identity: { ...REPORT.identity, hostname: `h${seq}` } } } as never, keys),
    );
    const answer = await ch.next((m) => (m.type === 'ack' && m.seq === seq) || m.type === 'error', 15_000);
    if (answer.type === 'ack') return true;
    assert.equal(answer.code, 'REPLAYED', JSON.stringify(answer));
    return false;
  }

  it('stores each acknowledged report once and keeps the last ones in the ring', async () => {
    const enroller = await RawChannel.open(a.url);
    const { keys, endpointId } = await enroller.enroll(ENROLLMENT_KEY, generateDeviceKey());
    enroller.close();
    let onA = await session(a.url, keys, endpointId);
    let onB = await session(b.url, keys, endpointId);
    const acked: number[] = [];
    let refused = 0;
    for (let round = 0; round < 30; round++) {
      if (onA.ws.readyState !== WebSocket.OPEN) onA = await session(a.url, keys, endpointId);
      if (onB.ws.readyState !== WebSocket.OPEN) onB = await session(b.url, keys, endpointId);
      const base = 2 * round;
      // Crossing: the lower sequence may arrive second; every third round both send the same one.
      const [seqA, seqB] = round % 3 === 2 ? [base + 1, base + 1] : round % 2 === 0 ? [base + 1, base + 2] : [base + 2, base + 1];
      const [okA, okB] = await Promise.all([report(onA, keys, seqA), report(onB, keys, seqB)]);
      for (const [ok, seq] of [
        [okA, seqA],
        [okB, seqB],
      ] as const) {
        if (ok) acked.push(seq);
        else refused++;
      }
    }
    onA.close();
    onB.close();
    assert.ok(refused > 0, 'no race was lost: the test did not cross anything');
    // A report is stored only when newer than the last: no sequence is acknowledged twice.
    const sorted = [...acked].sort((x, y) => x - y);
    assert.equal(new Set(acked).size, acked.length, `a sequence acknowledged twice: ${acked.join(',')}`);
    const row = await db('endpoints').where({ id: endpointId }).first('last_seq', 'reports_stored', 'hostname');
    assert.equal(Number(row.reports_stored), acked.length);
    assert.equal(Number(row.last_seq), sorted.at(-1));
    assert.equal(row.hostname, `h${sorted.at(-1)}`);
    const ring = await db('report_history').where({ endpoint_id: endpointId }).orderBy('seq', 'desc');
    assert.deepEqual(
      ring.map((h) => Number(h.seq)),
      sorted.slice(-LIMITS.reportHistory).reverse(),
    );
    for (const h of ring) assert.equal(JSON.parse(h.body).identity.hostname, `h${h.seq}`);
  });
});
