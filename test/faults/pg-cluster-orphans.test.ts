import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { PgCluster, pgClusterUnavailable } from '../support/pg-cluster.js';
import { describeUnless } from '../support/skip.js';

const CLUSTER_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/pg-cluster.ts');
const PREFIX = `devtrust-orphan-${process.pid}-`;
const clusters = () => readdirSync(tmpdir()).filter((name) => name.startsWith(PREFIX));
const postmasters = () => spawnSync('pgrep', ['-f', PREFIX], { encoding: 'utf8' }).stdout.trim();

// A run killed where nothing can clean up (SIGKILL; a test runner's Ctrl-C ends its workers
// before any afterAll) leaves its postmaster running in a session of its own: the next
// cluster made with the same prefix stops and removes it.
describeUnless(pgClusterUnavailable() ?? false)('a throwaway PostgreSQL cluster', () => {
  it("removes a killed run's cluster when the next one is made", async () => {
    const script = `const { PgCluster } = await import(${JSON.stringify(CLUSTER_MODULE)});
    await PgCluster.create({ prefix: ${JSON.stringify(PREFIX)} });
    process.kill(process.pid, 'SIGKILL');`;
    const killed = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(clusters().length, 1, 'the killed run left its cluster');
    assert.notEqual(postmasters(), '', 'and its server running');
    const next = await PgCluster.create({ prefix: PREFIX });
    try {
      assert.equal(clusters().length, 1, 'only the new cluster is left');
    } finally {
      next.close();
    }
    assert.deepEqual(clusters(), []);
    assert.equal(postmasters(), '');
  }, 60_000);
});
