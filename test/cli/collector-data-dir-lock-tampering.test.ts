import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, it } from 'vitest';
import { HOLDER_FILE, LOCK_FILE, type LockHolder } from '@devtrust/collector/store/data-dir-lock';
import { BINS, ROOT, runBin } from '../support/bin.js';
import { E2E_ON_POSTGRES_SKIP, startTestCollector, type TestCollector } from '../support/collector.js';
import { itUnless } from '../support/skip.js';
import { collectorEnv, logged, startCollectorProcess } from './collector-process.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

/**
 * The data dir lock (store/data-dir-lock.ts) against someone at work in the data dir, as a
 * security review found it: the lock file removed while a collector ran (a second one started
 * beside it), the lock file readable by other users (who could lock it and keep collectors from
 * starting), a symlink planted where the holder record is written, and a data dir the collector
 * may not write. Real collector processes and real files; the periodic check is called directly.
 */
describe('the data dir lock against tampering', () => {
  const dirs: string[] = [];
  const running: Spawned[] = [];
  const collectors: TestCollector[] = [];
  afterEach(async () => {
    for (const c of collectors.splice(0)) await c.stop({ keepData: true });
    for (const child of running.splice(0)) await child.stop('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-lock-'));
    dirs.push(dir);
    return dir;
  };
  const env = collectorEnv;
  const start = (dir: string): Promise<Spawned & { port: number }> => startCollectorProcess(dir, running);
  /** A real process that runs until killed; `script` calls ready() once it has done what it is for. */
  async function holdOpen(script: string): Promise<Spawned> {
    const child = spawnProcess(
      process.execPath,
      ['-e', `const ready = () => console.log('ready'); ${script}; setInterval(() => {}, 1e9);`],
      { cwd: ROOT },
    );
    running.push(child);
    await child.waitForOutput(/^ready$/m, 'the helper process');
    return child;
  }
  /** A second collector started on `dir` (a real process) is refused: another holds the lock. */
  async function refusedOn(dir: string): Promise<void> {
    const second = await runBin('devtrust-collector', [], { env: env(dir, await freePort()) });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /DATA_DIR_IN_USE/);
  }
  /** A collector in this process, its log collected, its lock checked only when the test says. */
  async function startHere(dir: string): Promise<TestCollector & { log(): string }> {
    let lines = '';
    const log = pino({ level: 'info' }, { write: (line: string) => void (lines += line) });
    const c = await startTestCollector({ scheduler: false, dataDir: dir, log, dataDirLock: { checkEveryMs: 0 } });
    collectors.push(c);
    return Object.assign(c, { log: () => lines });
  }

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'lock file removed, a second collector started: the first finds its lock taken and stops; the second, told the first runs, stays alone',
    async () => {
      const dir = dataDir();
      const first = await startHere(dir);
      rmSync(path.join(dir, LOCK_FILE));
      // The first's check has not run yet (it runs when the test says), so the second gets in, as in the review.
      const second = await start(dir);
      const told = logged(second.stdout(), /a process with that pid is running on this host/);
      assert.ok(told, second.stdout());
      assert.equal((told.previous as LockHolder).pid, process.pid);
      assert.equal(logged(second.stdout(), /did not stop cleanly/), undefined, second.stdout());

      assert.equal(await first.dataDirLock?.check(), 'taken');
      assert.ok(logged(first.log(), /another process now holds the lock on the file there: two collectors may be running/), first.log());
      await first.close();
      await assert.rejects(fetch(`${first.url}/healthz`));
      // The first's stop left the second's record alone.
      assert.equal((JSON.parse(readFileSync(path.join(dir, HOLDER_FILE), 'utf8')) as LockHolder).pid, second.child.pid);
      assert.equal((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status, 200);
      assert.equal(await second.stop('SIGTERM'), 0, second.stderr());
      assert.equal(existsSync(path.join(dir, HOLDER_FILE)), false);
    },
  );

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'lock file removed, nobody else there: the collector locks the path again, and a second is refused',
    async () => {
      const dir = dataDir();
      const first = await startHere(dir);
      rmSync(path.join(dir, LOCK_FILE));
      assert.equal(await first.dataDirLock?.check(), 'retaken');
      assert.ok(logged(first.log(), /was removed while this collector ran/), first.log());
      assert.equal(statSync(path.join(dir, LOCK_FILE)).mode & 0o777, 0o600);
      assert.equal(await first.dataDirLock?.check(), 'held');
      const second = await runBin('devtrust-collector', [], { env: env(dir, await freePort()) });
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`DATA_DIR_IN_USE: .*its record names collector pid ${process.pid} on .*, which is running`));
      assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
    },
  );

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'lock file gone and nothing lockable at the path: the old file is let go (an unmounted filesystem is freed), and locked again once it can be',
    async () => {
      const dir = dataDir();
      const first = await startHere(dir);
      const lockFile = path.join(dir, LOCK_FILE);
      /** This process's descriptors on the removed lock file (the kernel names it "(deleted)"). */
      const openOnRemoved = (): string[] =>
        readdirSync('/proc/self/fd').flatMap((fd) => {
          try {
            const target = readlinkSync(`/proc/self/fd/${fd}`);
            return target === `${lockFile} (deleted)` ? [target] : [];
          } catch {
            return [];
          }
        });
      rmSync(lockFile);
      assert.ok(openOnRemoved().length > 0, 'held until the check');
      mkdirSync(lockFile); // what the path names now cannot be locked (EISDIR)
      assert.equal(await first.dataDirLock?.check(), 'unprotected');
      assert.deepEqual(openOnRemoved(), []);
      assert.ok(logged(first.log(), /was replaced by another file while this collector ran, and cannot be locked again/), first.log());
      assert.equal(await first.dataDirLock?.check(), 'unprotected');
      rmdirSync(lockFile);
      assert.equal(await first.dataDirLock?.check(), 'retaken');
      assert.equal(await first.dataDirLock?.check(), 'held');
      await refusedOn(dir);
    },
  );

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'lock file renamed inside the data dir: the collector locks the path again (the file a next collector opens), and a second is refused',
    async () => {
      const dir = dataDir();
      const first = await startHere(dir);
      renameSync(path.join(dir, LOCK_FILE), path.join(dir, 'old.lock'));
      assert.equal(await first.dataDirLock?.check(), 'retaken');
      assert.equal(await first.dataDirLock?.check(), 'held');
      await refusedOn(dir);
    },
  );

  itUnless(E2E_ON_POSTGRES_SKIP)(
    'data dir renamed under a running collector: its lock goes with the database, and a collector started on the new path is refused',
    async () => {
      const parent = dataDir();
      const dir = path.join(parent, 'data');
      const first = await startHere(dir);
      const moved = path.join(parent, 'data.moved');
      renameSync(dir, moved);
      assert.equal(await first.dataDirLock?.check(), 'unprotected');
      assert.ok(logged(first.log(), new RegExp(`still at ${moved}/${LOCK_FILE} \\(the data dir was moved`)), first.log());
      await refusedOn(moved);
      // The old path made again (an empty data dir there, or a symlinked path switched): still
      // the moved file's lock, not the path's (a reviewer's finding: it locked the new path and
      // let go of the old file, and a collector then started on the moved database).
      mkdirSync(dir);
      assert.equal(await first.dataDirLock?.check(), 'unprotected');
      await refusedOn(moved);
      // Another hard link still reaches the file after its entry here is removed: still kept.
      linkSync(path.join(moved, LOCK_FILE), path.join(moved, 'x'));
      rmSync(path.join(moved, LOCK_FILE));
      renameSync(path.join(moved, 'x'), path.join(moved, LOCK_FILE));
      assert.equal(await first.dataDirLock?.check(), 'unprotected');
      await refusedOn(moved);
    },
  );

  it('a leftover record naming a running process is reported as running, not as a collector that did not stop cleanly', async () => {
    const dir = dataDir();
    const other = await holdOpen('ready()');
    const record: LockHolder = { pid: other.child.pid!, hostname: hostname(), startedAt: '2026-12-01T09:00:00.000Z' };
    writeFileSync(path.join(dir, HOLDER_FILE), JSON.stringify(record));
    const next = await start(dir);
    const told = logged(next.stdout(), /a process with that pid is running on this host/);
    assert.ok(told, next.stdout());
    assert.equal(logged(next.stdout(), /did not stop cleanly/), undefined, next.stdout());
  });

  it('the lock file is owner-only, an older one is made so, and a data dir open to others is warned of', async () => {
    const dir = dataDir();
    const lockFile = path.join(dir, LOCK_FILE);
    const first = await start(dir);
    assert.equal(statSync(lockFile).mode & 0o777, 0o600);
    assert.equal(logged(first.stdout(), /is open to other users/), undefined, first.stdout());
    assert.equal(await first.stop('SIGTERM'), 0, first.stderr());
    // As an older release left it, in a data dir others may list.
    chmodSync(lockFile, 0o644);
    chmodSync(dir, 0o755);
    const next = await start(dir);
    assert.equal(statSync(lockFile).mode & 0o777, 0o600);
    const warned = logged(next.stdout(), /the data dir .* is open to other users \(mode 0755\)/);
    assert.ok(warned, next.stdout());
  });

  it('a process that is not a collector holding the lock is named as a process, with how to find it, not as another collector', async () => {
    const dir = dataDir();
    const lockFile = path.join(dir, LOCK_FILE);
    // What a local user who could open the file did: lock it with SQLite, no collector at all.
    await holdOpen(
      `const sqlite3 = require('sqlite3'); const db = new sqlite3.Database(${JSON.stringify(lockFile)}); ` +
        "db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;', (e) => { if (e) throw e; ready(); })",
    );
    // A record a collector left when it was killed: its pid runs no more.
    const gone = spawnProcess(process.execPath, ['-e', '0']);
    await gone.waitForExit();
    writeFileSync(
      path.join(dir, HOLDER_FILE),
      JSON.stringify({ pid: gone.child.pid, hostname: hostname(), startedAt: '2026-12-01T09:00:00.000Z' }),
    );
    const refused = await runBin('devtrust-collector', [], { env: env(dir, await freePort()) });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /DATA_DIR_IN_USE: a process holds the lock on /);
    assert.ok(refused.stderr.includes(lockFile), refused.stderr);
    assert.match(refused.stderr, /which no longer runs, so the record is stale; `fuser -v /);
    assert.doesNotMatch(refused.stderr, /another collector/);
  });

  it('a symlink planted where the holder record is written is replaced, and the file it points to is left as it was', async () => {
    const dir = dataDir();
    const victim = path.join(dataDir(), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(dir, `${HOLDER_FILE}.tmp`));
    const c = await start(dir);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(lstatSync(path.join(dir, HOLDER_FILE)).isFile());
    assert.equal((JSON.parse(readFileSync(path.join(dir, HOLDER_FILE), 'utf8')) as LockHolder).pid, c.child.pid);
    assert.equal(statSync(path.join(dir, HOLDER_FILE)).mode & 0o777, 0o600);
  });

  itUnless(E2E_ON_POSTGRES_SKIP)('a symlink planted as the lock file is not followed: the start stops naming it', async () => {
    const dir = dataDir();
    const elsewhere = path.join(dataDir(), 'elsewhere.lock');
    symlinkSync(elsewhere, path.join(dir, LOCK_FILE));
    await assert.rejects(
      startTestCollector({ scheduler: false, dataDir: dir }),
      /collector\.lock is a symbolic link, which the collector does not follow/,
    );
    assert.equal(existsSync(elsewhere), false);
  });

  it('a data dir the collector may not write stops the start naming the file, the user and what it lacks', async () => {
    const dir = dataDir();
    // Root writes anywhere: then the collector runs as nobody, which may read the dir but not write it.
    chmodSync(dir, 0o555);
    const asRoot = process.getuid?.() === 0;
    const port = await freePort();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BINS['devtrust-collector']], {
        env: { ...process.env, ...env(dir, port), HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    chmodSync(dir, 0o700);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot start: DATA_DIR_NOT_WRITABLE: cannot open .* for reading and writing \(EACCES\)/);
    assert.ok(result.stderr.includes(path.join(dir, LOCK_FILE)), result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`runs as uid ${asRoot ? 65534 : process.getuid?.()}, which must be able to create, read and write files in its data dir`),
    );
    assert.doesNotMatch(result.stderr, /SQLITE_CANTOPEN/);
  });
});
