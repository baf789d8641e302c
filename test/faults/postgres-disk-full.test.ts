import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../support/skip.js';
import { CollectorProcess } from './collector-process.js';
import { Fleet } from './fleet.js';
import { FsImage, fsImageSkip } from './fs-image.js';
import { PgCluster, pgClusterUnavailable } from '../support/pg-cluster.js';
import { assertDrill, runFault } from './scenario.js';

const AGENTS = 24;

/**
 * PostgreSQL whose tables live on a small filesystem that fills up (a tablespace on a loop
 * device; the write-ahead log stays on the main disk, as on a server with a separate data
 * volume), under load from real agent links: writes fail with 53100, the collector says not
 * ready and tells agents to come back, nothing acknowledged is lost, and everything recovers
 * by itself once space is freed. The SQLite counterpart is sqlite-faults.test.ts.
 */
describeUnless((pgClusterUnavailable() ?? false) || fsImageSkip())('PostgreSQL on a data volume that fills up', () => {
  let image: FsImage;
  let cluster: PgCluster;
  let collector: CollectorProcess;
  let fleet: Fleet;
  let dataDir: string;

  beforeAll(async () => {
    image = FsImage.create(64);
    cluster = await PgCluster.create({ settings: ['fsync=off', 'max_connections=60'], prefix: 'devtrust-pgfault-' });
    // The postgres user must reach its tablespace directory through the test's private dirs.
    chmodSync(image.dir, 0o755);
    chmodSync(image.mountPoint, 0o755);
    await cluster.tablespaceIn(path.join(image.mountPoint, 'pg'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-pgfull-data-'));
    collector = await CollectorProcess.start({
      DEVTRUST_DATABASE_URL: cluster.url,
      DEVTRUST_DATA_DIR: dataDir,
      DEVTRUST_AGENT_RETRY_SEC: '1',
    });
    fleet = new Fleet(collector.url, AGENTS, { bulk: 25 });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await collector?.stop();
    cluster?.close();
    image?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('full: nothing acknowledged is lost, not ready while full, back by itself once space is freed', async () => {
    let filling: NodeJS.Timeout | null = null;
    const outcome = await runFault({
      collector,
      fleet,
      inject: async () => {
        image.fill();
        filling = setInterval(() => image.fill(), 50);
      },
      recover: async () => {
        if (filling) clearInterval(filling);
        image.unfill();
      },
    }).finally(() => filling && clearInterval(filling));
    assertDrill(outcome, AGENTS, { kinds: ['disk_full'], cause: /53100|No space left/i });
  });
});
