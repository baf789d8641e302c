import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { DataDirInUseError, HOLDER_FILE, LOCK_FILE } from '@devtrust/collector/store/data-dir-lock';
import { runBin } from '../support/bin.js';
import { E2E_ON_POSTGRES_SKIP, startTestCollector, type TestCollector } from '../support/collector.js';
import { freshPostgresDatabase, POSTGRES_SKIP } from '../support/postgres.js';
import { itUnless } from '../support/skip.js';
import { collectorEnv, logged, startCollectorProcess } from './collector-process.js';
import { freePort, type Spawned } from './spawned.js';

const uncleanStop = (stdout: string): Record<string, unknown> | undefined => logged(stdout, /did not stop cleanly/);

/**
 * One collector per SQLite database (store/data-dir-lock.ts): the shipped collector in its own
 * process, as a service manager runs it. A second one on the same data dir refuses to start and
 * names the first; a collector killed with SIGKILL leaves no lock behind; a stop releases it.
 */
describe('devtrust-collector on a SQLite data dir another collector holds', () => {
  const dataDir = (): string => mkdtempSync(path.join(tmpdir(), 'devtrust-lock-'));
  const dirs: string[] = [];
  const running: Spawned[] = [];
  afterEach(async () => {
    for (const child of running.splice(0)) await child.stop('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const env = collectorEnv;
  const start = (dir: string): Promise<Spawned & { port: number }> => startCollectorProcess(dir, running);

  it('a second collector on the same data dir exits 1 with DATA_DIR_IN_USE, naming the first; the first serves on', async () => {
    const dir = dataDir();
    dirs.push(dir);
    const first = await start(dir);
    const second = await runBin('devtrust-collector', [], { env: env(dir, await freePort()) });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /^devtrust-collector: cannot start: DATA_DIR_IN_USE: a process holds the lock on /m);
    assert.match(second.stderr, new RegExp(`its record names collector pid ${first.child.pid} on .*, which is running\\)`));
    assert.match(second.stderr, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch(second.stdout, /listening/);
    assert.equal((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status, 200);
  });

  it('a collector killed with SIGKILL leaves no lock: the next start works, and logs that the previous one did not stop cleanly', async () => {
    const dir = dataDir();
    dirs.push(dir);
    const killed = await start(dir);
    assert.equal(await killed.stop('SIGKILL'), null);
    const next = await start(dir);
    assert.equal((await fetch(`http://127.0.0.1:${next.port}/healthz`)).status, 200);
    const warned = uncleanStop(next.stdout());
    assert.ok(warned, next.stdout());
    assert.equal((warned.previous as { pid: number }).pid, killed.child.pid);
  });

  it('a stopped collector releases it: the next start works and finds nothing left behind', async () => {
    const dir = dataDir();
    dirs.push(dir);
    const stopped = await start(dir);
    assert.equal(await stopped.stop('SIGTERM'), 0, stopped.stderr());
    assert.equal(existsSync(path.join(dir, HOLDER_FILE)), false);
    const next = await start(dir);
    assert.equal((await fetch(`http://127.0.0.1:${next.port}/healthz`)).status, 200);
    assert.equal(uncleanStop(next.stdout()), undefined, next.stdout());
  });
});

describe('the data dir lock in one process', () => {
  const collectors: TestCollector[] = [];
  afterEach(async () => {
    for (const c of collectors.splice(0).reverse()) await c.stop({ keepData: true });
  });

  itUnless(E2E_ON_POSTGRES_SKIP)('a second start on the data dir is refused with DataDirInUseError until the first stops', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-lock-'));
    try {
      const first = await startTestCollector({ scheduler: false, dataDir: dir });
      collectors.push(first);
      const refused = await startTestCollector({ scheduler: false, dataDir: dir }).then(
        (c) => void collectors.push(c),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof DataDirInUseError, String(refused));
      assert.equal(refused.code, 'DATA_DIR_IN_USE');
      assert.equal(refused.holder?.pid, process.pid);
      await collectors.splice(0)[0]?.stop({ keepData: true });
      collectors.push(await startTestCollector({ scheduler: false, dataDir: dir }));
    } finally {
      for (const c of collectors.splice(0)) await c.stop({ keepData: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'a lock file that is not what a collector wrote stops the start with the file named, and is left alone',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-lock-'));
      try {
        const lockFile = path.join(dir, LOCK_FILE);
        writeFileSync(lockFile, 'not a database, written by someone else, long enough to have a header\n'.repeat(4));
        await assert.rejects(startTestCollector({ scheduler: false, dataDir: dir }), (error: Error) => {
          assert.ok(!(error instanceof DataDirInUseError));
          assert.ok(error.message.includes(lockFile), error.message);
          // Removed only once nothing has it open: removed under a running collector, it no longer keeps a second out.
          assert.match(error.message, /may be removed once no process has it open \(`fuser -v /);
          return true;
        });
        assert.ok(existsSync(lockFile));
        rmSync(lockFile);
        collectors.push(await startTestCollector({ scheduler: false, dataDir: dir }));
      } finally {
        for (const c of collectors.splice(0)) await c.stop({ keepData: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  itUnless(POSTGRES_SKIP)('on PostgreSQL collectors share by design: two on one data dir both start', async () => {
    const pg = await freshPostgresDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-lock-pg-'));
    try {
      collectors.push(await startTestCollector({ scheduler: false, dataDir: dir, databaseUrl: pg.url }));
      collectors.push(await startTestCollector({ scheduler: false, dataDir: dir, databaseUrl: pg.url }));
      for (const c of collectors) assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
    } finally {
      for (const c of collectors.splice(0)) await c.stop({ keepData: true });
      rmSync(dir, { recursive: true, force: true });
      await pg.drop();
    }
  });
});
