import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { RAISED_ENV, rerunCommand, WANTED_OPEN_FILES } from '../../bench/lib/file-limit.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RECORDER = path.join(ROOT, 'test/bench/fixtures/record-imports.mjs');

const argv = { execPath: '/usr/bin/node', execArgv: ['--import', 'tsx'], argv: ['/usr/bin/node', 'bench/run.ts', '--scale', 'small'] };

describe('bench entry (bench/run.ts)', () => {
  it('runs itself again under a raised ulimit only when the limit is low and it is not that run', () => {
    const again = rerunCommand({}, argv, 1024);
    assert.ok(again);
    assert.equal(again.command, '/bin/sh');
    assert.match(again.args[1] as string, new RegExp(`ulimit -n ${WANTED_OPEN_FILES}`));
    assert.deepEqual(again.args.slice(3), ['/usr/bin/node', '--import', 'tsx', 'bench/run.ts', '--scale', 'small']);
    // Unknown (no /proc) is treated as low, as before.
    assert.ok(rerunCommand({}, argv, null));
    assert.equal(rerunCommand({}, argv, WANTED_OPEN_FILES), null);
    assert.equal(rerunCommand({ [RAISED_ENV]: '1' }, argv, 1024), null);
  });

  // Counts modules, never times: the process that only raises the limit loads no figure
  // module and not the bench proper; the run it starts loads them once.
  it('loads the figure modules only in the run under the raised limit', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-bench-entry-'));
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          '/bin/sh',
          [
            '-c',
            'ulimit -n 1024 && exec "$@"',
            'sh',
            process.execPath,
            '--import',
            'tsx',
            '--import',
            RECORDER,
            '--conditions=devtrust-src',
            'bench/run.ts',
            '--help',
          ],
          { cwd: ROOT, env: { ...process.env, DEVTRUST_TEST_IMPORTS_DIR: dir, [RAISED_ENV]: '' }, stdio: 'ignore' },
        );
        child.on('error', reject);
        child.on('close', resolve);
      });
      assert.equal(code, 0);
      const processes = readdirSync(dir).map((pid) => readFileSync(path.join(dir, pid), 'utf8').trim().split('\n'));
      const entryOnly = processes.filter(
        (urls) => urls.some((u) => u.endsWith('/bench/run.ts')) && !urls.some((u) => u.endsWith('/bench/main.ts')),
      );
      const full = processes.filter((urls) => urls.some((u) => u.endsWith('/bench/main.ts')));
      assert.equal(entryOnly.length, 1, `processes: ${processes.length}`);
      assert.equal(full.length, 1);
      assert.equal(entryOnly[0]?.filter((u) => u.includes('/bench/figures/')).length, 0);
      assert.ok((full[0]?.filter((u) => u.includes('/bench/figures/')).length ?? 0) >= 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
