import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { COLLECTOR_VERSION } from '@devtrust/collector/version';
import { ROOT } from '../support/bin.js';
import { portInUse, spawnProcess } from './spawned.js';

// The Quick start's own commands, run through npm exactly as a newcomer types them.
describe('npm start and npm run demo, through npm', () => {
  it('npm start runs the collector on 127.0.0.1:8700 with SQLite in the data dir, until its process group is stopped', async () => {
    if (await portInUse(8700))
      assert.fail(
        'port 8700 on 127.0.0.1 is in use: this test runs `npm start` on its default port; stop whatever listens there and rerun',
      );
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-npm-start-'));
    const start = spawnProcess('npm', ['start'], { cwd: ROOT, group: true, env: { DEVTRUST_DATA_DIR: dataDir } });
    try {
      await start.waitForOutput(/listening on http:\/\/127\.0\.0\.1:8700/, 'the collector to listen');
      const health = await fetch('http://127.0.0.1:8700/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { ok: true, version: COLLECTOR_VERSION, database: 'sqlite' });
      assert.ok(existsSync(path.join(dataDir, 'devtrust.sqlite')), 'the SQLite file is in DEVTRUST_DATA_DIR');
    } finally {
      await start.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Stopping the group stopped the collector under npm too: the port is free again.
    for (let i = 0; (await portInUse(8700)) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await portInUse(8700), false, 'the collector started by npm start still listens on 8700');
  });

  it('npm run demo prints a trusted, allowed sign-in and an untrusted, denied one', async () => {
    const demo = spawnProcess('npm', ['run', 'demo'], { cwd: ROOT, group: true });
    try {
      assert.equal(await demo.waitForExit(110_000), 0, demo.stderr());
    } finally {
      await demo.stop('SIGKILL');
    }
    assert.match(demo.stdout(), /✔ alice signs in from .*: verdict TRUSTED, access ALLOW/);
    assert.match(demo.stdout(), /✘ bob signs in from UNKNOWN-PC: verdict UNTRUSTED, access DENY/);
    // Its collector is gone when it ends: the last words must not send the reader to it.
    assert.match(demo.stdout(), /Done\. This throwaway collector is removed now, its auth log with it\./);
  });
});
