/**
 * Releasing a key that `waiters` endpoints wait on (copies of one disk image reporting its
 * MachineGuid, each with a serial of its own), on a fresh database, with an unrelated device's
 * first report (new identifiers, so its transaction takes the releases' lock shared) sent
 * through a second store (another connection pool, as another collector would) while the release
 * runs: the release's time and statements, and how long that report waited and whether it was
 * stored. Wall times in this process: compare them only within one run and load. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/release-waiters.ts [sqlite|postgres] [waiters]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Report } from '@devtrust/shared/protocol';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const waiters = Number(process.argv[3] ?? 5_000);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-release-waiters-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
const other = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
const report = (identity: Record<string, unknown>): Report =>
  ({ identity: { platform: 'windows', hostname: 'pc', ...identity }, posture: {}, agentVersion: 'bench' }) as unknown as Report;

try {
  const holder = (await store.endpoints.enroll(randomBytes(32).toString('base64'))).id;
  await store.recordReports([
    { endpointId: holder, seq: 1, report: report({ machineGuid: GUID, serialNumber: 'IMAGE-0' }), at: Date.now() },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const at = Date.now();
  const ids = Array.from({ length: waiters }, (_, i) => `ep_copy_${String(i).padStart(6, '0')}`);
  const rows = ids.map((id, i) => ({ id, public_key: `pk_${id}`, enrolled_at: at + i, last_seen_at: at, last_seq: 0, blocked: false }));
  await store.knex.batchInsert('endpoints', rows, 500);
  for (let i = 0; i < waiters; i += 250)
    await store.recordReports(
      ids
        .slice(i, i + 250)
        .map((endpointId, k) => ({ endpointId, seq: 1, report: report({ machineGuid: GUID, serialNumber: `COPY-${i + k}` }), at })),
    );
  const pending = await store.knex('endpoints').where({ approval: 'pending' }).count({ n: '*' }).first();
  const newcomer = (await other.endpoints.enroll(randomBytes(32).toString('base64'))).id;
  let statements = 0;
  store.knex.on('query', () => statements++);
  const started = performance.now();
  const releasing = store.endpoints.release(holder, Date.now()).then((r) => ({ r, ms: performance.now() - started }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const sent = performance.now();
  const stored = await other
    .recordReports([
      {
        endpointId: newcomer,
        seq: 1,
        report: report({ serialNumber: 'UNRELATED-1', hardwareUuid: '4C4C4544-0042-3510-8052-B7C04F4E4A31' }),
        at: Date.now(),
      },
    ])
    .then(
      (ok) => `stored ${String(ok[0])}`,
      (error: unknown) => `failed: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`,
    );
  const reportMs = performance.now() - sent;
  const { r, ms } = await releasing;
  const freed = r && r.released ? r.freed.length : -1;
  const still = r && r.released ? r.stillPending.length : -1;
  console.log(
    JSON.stringify({
      kind,
      waiters,
      pending: Number(pending?.n),
      releaseMs: Math.round(ms),
      statements,
      freed,
      stillPending: still,
      reportMs: Math.round(reportMs),
      report: stored,
    }),
  );
} finally {
  await other.close();
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
