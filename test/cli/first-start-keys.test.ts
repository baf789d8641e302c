import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { itUnless } from '../support/skip.js';
import { freePort, spawnProcess } from './spawned.js';

const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-first-start-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const hasScript = ((): string | false => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no `script` command (util-linux) to give the collector a terminal';
  }
})();

/** Starts devtrust-collector with piped stdout/stderr (as systemd and Docker run it). */
async function startPiped(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ReturnType<typeof spawnProcess>> {
  const collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
    // trace: the most a log stream ever holds.
    env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port), DEVTRUST_LOG_LEVEL: 'trace', ...env },
  });
  await collector.waitForOutput(/DevTrust collector listening on /, 'the collector to start');
  return collector;
}

function keysIn(file: string): { owner: string; enrollment: string } {
  const text = readFileSync(file, 'utf8');
  const owner = /^ {2}(dtk_\S+)$/m.exec(text)?.[1];
  const enrollment = /^ {2}(dte_\S+)$/m.exec(text)?.[1];
  assert.ok(owner && enrollment, text);
  return { owner, enrollment };
}

describe('first-start keys', () => {
  for (const database of DATABASES) {
    itUnless(database.skip)(
      `are written to an owner-only file in the data dir and never reach stdout, stderr or the logs (${database.name})`,
      async () => {
        // On PostgreSQL with a configured master key nothing else creates the data dir: the keys file must.
        const postgres = database.name === 'postgres' ? await freshPostgresDatabase() : null;
        try {
          await firstStartAndAfter(
            postgres ? path.join(tmp(), 'not-yet') : tmp(),
            postgres ? { DEVTRUST_DATABASE_URL: postgres.url, DEVTRUST_MASTER_KEY: '11'.repeat(32) } : {},
          );
        } finally {
          await postgres?.drop();
        }
      },
    );
  }

  async function firstStartAndAfter(dataDir: string, env: Record<string, string>): Promise<void> {
    const port = await freePort();
    const file = path.join(dataDir, 'first-start-keys.txt');
    const first = await startPiped(dataDir, port, env);
    let keys;
    try {
      keys = keysIn(file);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /then delete this file:\n {2}rm .*first-start-keys\.txt/);
      // The log stream says where the keys are, never what they are.
      assert.ok(first.stdout().includes(`written to ${file}`), first.stdout());
      for (const output of [first.stdout(), first.stderr()]) {
        assert.ok(!output.includes(keys.owner), 'the owner API key is in the output');
        assert.ok(!output.includes(keys.enrollment), 'the enrollment key is in the output');
        assert.doesNotMatch(output, /dtk_|dte_/);
      }
      assert.match(first.stdout(), /^\{"level":/m, 'the JSON logs are in the same stream');
      // The keys in the file are the real ones.
      const apiKeys = await fetch(`http://127.0.0.1:${port}/admin/v1/api-keys`, { headers: { authorization: `Bearer ${keys.owner}` } });
      assert.equal(apiKeys.status, 200);
      const keyFile = path.join(tmp(), 'enrollment.key');
      writeFileSync(keyFile, `${keys.enrollment}\n`, { mode: 0o600 });
      const identity = path.join(tmp(), 'identity.json');
      writeFileSync(identity, JSON.stringify({ platform: 'linux', hostname: 'first-start', macAddresses: [] }));
      const agent = await runBin('devtrust-agent', [
        ...['--collector', `http://127.0.0.1:${port}`, '--enrollment-key-file', keyFile, '--once'],
        ...['--identity', identity, '--data-dir', tmp()],
      ]);
      assert.equal(agent.code, 0, agent.stderr);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    // A later start generates nothing, prints no key, and reminds that the file is still there.
    const second = await startPiped(dataDir, port, env);
    try {
      assert.doesNotMatch(second.stdout(), /dtk_|dte_|written to/);
      assert.ok(second.stdout().includes(`Reminder: ${file} still holds the first-start keys`), second.stdout());
      assert.deepEqual(keysIn(file), keys);
      assert.equal(existsSync(path.join(dataDir, 'devtrust.sqlite')), env.DEVTRUST_DATABASE_URL === undefined);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  }

  itUnless(hasScript)('are also shown when stdout is a terminal', async () => {
    const dataDir = tmp();
    const port = await freePort();
    const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BINS['devtrust-collector'])}`;
    // script(1) runs the collector on a pseudo-terminal, as an admin's shell would.
    const terminal = spawnProcess('script', ['-qfec', command, '/dev/null'], {
      group: true,
      env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port), DEVTRUST_LOG_LEVEL: 'silent' },
    });
    try {
      await terminal.waitForOutput(/DevTrust collector listening on /, 'the collector to start');
      const keys = keysIn(path.join(dataDir, 'first-start-keys.txt'));
      assert.match(terminal.stdout(), new RegExp(`owner API key: +${keys.owner}\\r?\\n`));
      assert.match(terminal.stdout(), new RegExp(`agent enrollment key: +${keys.enrollment}\\r?\\n`));
    } finally {
      await terminal.stop();
    }
  });

  it('a first start on a busy port generates no keys, and the next start generates and shows them', async () => {
    const dataDir = tmp();
    const file = path.join(dataDir, 'first-start-keys.txt');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const refused = await runBin('devtrust-collector', [], {
        env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port), DEVTRUST_LOG_LEVEL: 'silent' },
      });
      assert.equal(refused.code, 1, refused.stderr);
      // (On Node 20, oidc-provider's runtime warning may come first.)
      assert.ok(
        refused.stderr.endsWith(`devtrust-collector: cannot start: port ${port} on 127.0.0.1 is already in use (set DEVTRUST_PORT)\n`),
        refused.stderr,
      );
      // No keys were made for a collector that never served: nothing to find and hand over.
      assert.equal(existsSync(file), false);
      assert.doesNotMatch(refused.stdout + refused.stderr, /dtk_|dte_/);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
    const started = await startPiped(dataDir, port);
    try {
      assert.ok(started.stdout().includes(`written to ${file}`), started.stdout());
      assert.doesNotMatch(started.stdout(), /Reminder/);
      keysIn(file);
    } finally {
      assert.equal(await started.stop(), 0);
    }
  });
});
