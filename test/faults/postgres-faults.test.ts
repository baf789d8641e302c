import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { OWNER_TOKEN } from '../support/credentials.js';
import { describeUnless } from '../support/skip.js';
import { CollectorProcess } from './collector-process.js';
import { Fleet } from './fleet.js';
import { PgCluster, pgClusterUnavailable } from '../support/pg-cluster.js';

const METRICS_TOKEN = 'metrics-token-faults-0123456789';
import { assertDrill, runFault } from './scenario.js';

const AGENTS = 24;

/**
 * The collector on a PostgreSQL server of the test's own that is made read-only, stopped
 * and restarted under load from a few dozen real agent links: nothing acknowledged is
 * lost, /readyz says not ready, the log names the cause once, agents stay away as told,
 * and the collector recovers by itself, with no connection left read-only.
 */
describeUnless(pgClusterUnavailable() ?? false)('PostgreSQL made read-only, stopped and restarted', () => {
  let cluster: PgCluster;
  let collector: CollectorProcess;
  let fleet: Fleet;
  let dataDir: string;

  beforeAll(async () => {
    cluster = await PgCluster.create({ settings: ['fsync=off', 'max_connections=60'], prefix: 'devtrust-pgfault-' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-pgfault-data-'));
    collector = await CollectorProcess.start({
      DEVTRUST_DATABASE_URL: cluster.url,
      DEVTRUST_DATA_DIR: dataDir,
      DEVTRUST_AGENT_RETRY_SEC: '1',
      DEVTRUST_METRICS_TOKEN: METRICS_TOKEN,
    });
    fleet = new Fleet(collector.url, AGENTS);
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await collector?.stop();
    cluster?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('read-only, then writable again: the read-only connections are replaced without help', async () => {
    const outcome = await runFault({
      collector,
      fleet,
      inject: () => cluster.readOnly(),
      recover: () => cluster.writable(),
    });
    assertDrill(outcome, AGENTS, { kinds: ['read_only'], cause: /25006|read-only transaction/ });
    const metrics = await (await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const readOnly = /^devtrust_db_errors_total\{kind="read_only"\} (\d+)$/m.exec(metrics);
    assert.ok(readOnly && Number(readOnly[1]) > 0, metrics);
    assert.match(metrics, /^devtrust_db_fault\{kind="read_only"\} 0$/m);
  });

  it('stopped, then started: not ready while down (503, not a 500), back by itself', async () => {
    const outcome = await runFault({
      collector,
      fleet,
      inject: async () => cluster.stop(),
      recover: async () => cluster.start(),
      during: async () => {
        // The API says "retry later" (503), not "internal error" (500).
        const response = await fetch(`${collector.url}/admin/v1/endpoints`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } });
        assert.equal(response.status, 503);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'DATABASE_UNAVAILABLE');
        assert.ok(response.headers.get('retry-after'));
      },
    });
    assertDrill(outcome, AGENTS, { kinds: ['unreachable'], cause: /57P01|ECONNREFUSED|terminat/i });
    assert.equal(await collector.healthz(), 200, 'liveness holds through the fault');
  });

  it('restarted: sessions ended by the restart are replaced, nothing acknowledged is lost', async () => {
    const outcome = await runFault({
      collector,
      fleet,
      inject: async () => {
        cluster.stop();
        cluster.start();
      },
      recover: async () => undefined,
      lasting: false,
      holdMs: 0,
    });
    assert.deepEqual(outcome.lost, []);
    assert.ok(outcome.recovered, 'not back within 10 s of the restart');
  });
});
